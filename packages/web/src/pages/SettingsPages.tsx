// The organization settings pages (API keys, members, notification channels), one file each.
export { ApiKeysPage } from "./settings-api-keys";
export { MembersPage } from "./settings-members";
export { ChannelsPage } from "./settings-channels";
