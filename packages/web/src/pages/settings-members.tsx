// Who belongs to the organization and with which role. Inviting answers a one-time setup link that the admin
// passes on; the server (not this page) decides whether a change would leave the organization without an admin,
// and its refusal is shown where the change was made.
import { useState } from "react";
import type { FormEvent } from "react";
import { useNavigate, useParams } from "react-router";
import { api, enc } from "../api/client";
import { useApi } from "../api/hooks";
import type { Role } from "../api/types";
import { EmptyState, Load } from "../components/States";
import { formatDate, formatTime } from "../lib/format";
import { useSession } from "../session";
import { AdminsOnly, ConfirmAction, FormError, OneTimeSecret, toError, useOrgRole } from "./settings-common";

/** GET /api/v1/organizations/{orgId}/members */
export interface Member {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly addedAt: number;
  /** The user has not chosen a password yet (invited, setup link not used). */
  readonly pending: boolean;
}

/** POST …/members — `setupUrl` only when a new user was created without a password. */
interface Invited {
  readonly id: string;
  readonly email: string;
  readonly role: Role;
  readonly setupUrl?: string;
}

const ROLES: readonly { value: Role; label: string }[] = [
  { value: "admin", label: "admin — manages members, keys, channels" },
  { value: "member", label: "member — projects, monitors, uploads" },
  { value: "viewer", label: "viewer — read-only" },
];

function InviteForm({
  orgId,
  members,
  onInvited,
}: {
  readonly orgId: string;
  readonly members: readonly Member[];
  readonly onInvited: (invited: Invited) => void;
}) {
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("member");
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const address = email.trim().toLowerCase();
    // The server's invite also re-sets the role of someone already in the organization, bypassing its
    // last-admin check: role changes go through the table instead.
    const existing = members.find((m) => m.email.toLowerCase() === address);
    if (existing !== undefined) {
      setError(
        new Error(
          `${existing.email} is already a member (role ${existing.role}). Change their role in the table below.`,
        ),
      );
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const invited = await api.post<Invited>(`/api/v1/organizations/${enc(orgId)}/members`, {
        email: address,
        role,
        ...(name.trim() !== "" ? { name: name.trim() } : {}),
      });
      setEmail("");
      setName("");
      onInvited(invited);
    } catch (e) {
      setError(toError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card form" onSubmit={(e) => void submit(e)} aria-labelledby="invite-title">
      <h2 id="invite-title">Invite a member</h2>
      <div className="settings-fields">
        <label>
          Email
          <input
            type="email"
            name="email"
            required
            maxLength={320}
            autoComplete="off"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label>
          <span>
            Name <span className="muted small">(optional)</span>
          </span>
          <input
            name="name"
            maxLength={200}
            autoComplete="off"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <label>
          Role
          <select name="role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Inviting…" : "Invite member"}
        </button>
      </div>
      <FormError error={error} />
    </form>
  );
}

/** The role select of one member; demoting yourself asks first, and the server's refusal shows below it. */
function RoleCell({
  orgId,
  member,
  isSelf,
  onChanged,
}: {
  readonly orgId: string;
  readonly member: Member;
  readonly isSelf: boolean;
  readonly onChanged: (self: boolean) => void;
}) {
  const [pending, setPending] = useState<Role | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const shown = pending ?? member.role;
  const errorId = `role-error-${member.id}`;

  async function apply(role: Role) {
    setBusy(true);
    setError(null);
    try {
      await api.patch(`/api/v1/organizations/${enc(orgId)}/members/${enc(member.id)}`, { role });
      setPending(null);
      onChanged(isSelf);
    } catch (e) {
      setPending(null);
      setError(toError(e).message);
    } finally {
      setBusy(false);
    }
  }

  const selfDemotion = isSelf && member.role === "admin" && pending !== null && pending !== "admin";
  return (
    <div className="role-cell">
      <label>
        <span className="visually-hidden">Role of {member.email}</span>
        <select
          value={shown}
          disabled={busy || selfDemotion}
          aria-describedby={error !== null ? errorId : undefined}
          onChange={(e) => {
            const role = e.target.value as Role;
            if (role === member.role) return;
            setError(null);
            setPending(role);
            if (!(isSelf && member.role === "admin")) void apply(role);
          }}
        >
          {ROLES.map((r) => (
            <option key={r.value} value={r.value}>
              {r.value}
            </option>
          ))}
        </select>
      </label>
      {selfDemotion ? (
        <span className="confirm-box" role="alertdialog" aria-labelledby={`self-demote-${member.id}`}>
          <span id={`self-demote-${member.id}`} className="confirm-question">
            Make yourself {pending}? You will no longer be able to manage members, keys or channels.
          </span>
          <span className="confirm-buttons">
            <button type="button" className="danger" autoFocus onClick={() => void apply(pending)}>
              Change my role
            </button>
            <button type="button" onClick={() => setPending(null)}>
              Cancel
            </button>
          </span>
        </span>
      ) : null}
      {error !== null ? (
        <span id={errorId} className="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}

export function MembersPage() {
  const { orgId = "" } = useParams();
  const { session, refresh, organization } = useSession();
  const navigate = useNavigate();
  const role = useOrgRole(orgId);
  const isAdmin = role === "admin";
  const members = useApi<{ members: Member[] }>(`/api/v1/organizations/${enc(orgId)}/members`);
  const [invited, setInvited] = useState<Invited | null>(null);
  const selfId = session?.user.id;
  const orgName = organization(orgId)?.name ?? orgId;

  /** After changing your own membership the session's roles are stale: reload them (the page follows). */
  async function afterSelfChange() {
    await refresh();
  }

  async function remove(member: Member) {
    await api.delete(`/api/v1/organizations/${enc(orgId)}/members/${enc(member.id)}`);
    if (member.id === selfId) {
      await afterSelfChange();
      navigate("/");
      return;
    }
    members.reload();
  }

  return (
    <section aria-labelledby="members-title" className="settings-page">
      <div className="page-header">
        <h1 id="members-title">Members</h1>
      </div>
      {!isAdmin ? <AdminsOnly role={role} what="members and their roles" /> : null}
      {isAdmin && invited !== null ? (
        invited.setupUrl !== undefined ? (
          <OneTimeSecret
            key={invited.setupUrl}
            title={`${invited.email} was invited as ${invited.role}`}
            value={invited.setupUrl}
            testId="invite-link"
            warning={
              <>
                Send this link to <strong>{invited.email}</strong>: they open it to choose a password and sign
                in. It works once and expires in 7 days, and it is not shown again — copy it now.
              </>
            }
            dismissLabel="Done"
            onDismiss={() => setInvited(null)}
          />
        ) : (
          <div className="card" role="status">
            <strong>{invited.email}</strong> already had a Sightglass account and was added as {invited.role}.
            They can sign in with their existing password.{" "}
            <button type="button" className="link-button" onClick={() => setInvited(null)}>
              Dismiss
            </button>
          </div>
        )
      ) : null}
      {isAdmin && members.result.state === "ready" ? (
        <InviteForm
          orgId={orgId}
          members={members.result.data.members}
          onInvited={(next) => {
            setInvited(next);
            members.reload();
          }}
        />
      ) : null}
      <h2>People in {orgName}</h2>
      <Load result={members.result} onRetry={members.reload} what="Loading members">
        {({ members: list }) =>
          list.length === 0 ? (
            <EmptyState title="No members">
              {isAdmin ? "Invite someone with the form above." : "Ask an admin to invite people."}
            </EmptyState>
          ) : (
            <table className="table settings-table">
              <caption className="visually-hidden">Members of {orgName}</caption>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col">Joined</th>
                  {isAdmin ? (
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {list.map((m) => {
                  const isSelf = m.id === selfId;
                  return (
                    <tr key={m.id} data-member-email={m.email}>
                      <td className="wrap-anywhere">
                        <span className="strong">{m.email}</span>
                        {isSelf ? <span className="badge badge-neutral settings-you">you</span> : null}
                        {m.pending ? (
                          <span
                            className="badge badge-warning settings-you"
                            title="Invited: has not used the setup link yet"
                          >
                            setup pending
                          </span>
                        ) : null}
                      </td>
                      <td className="wrap-anywhere">{m.name}</td>
                      <td>
                        {isAdmin ? (
                          <RoleCell
                            orgId={orgId}
                            member={m}
                            isSelf={isSelf}
                            onChanged={(self) => {
                              members.reload();
                              if (self) void afterSelfChange();
                            }}
                          />
                        ) : (
                          m.role
                        )}
                      </td>
                      <td title={formatTime(m.addedAt)}>{formatDate(m.addedAt)}</td>
                      {isAdmin ? (
                        <td className="settings-actions">
                          <div className="actions-row">
                            <ConfirmAction
                              label="Remove"
                              confirmLabel={isSelf ? "Remove me" : "Remove member"}
                              question={
                                isSelf ? (
                                  <>
                                    Remove yourself from {orgName}? You lose access to it at once and need an
                                    admin to add you back.
                                  </>
                                ) : (
                                  <>
                                    Remove {m.email} from {orgName}? They lose access at once; their
                                    Sightglass account stays.
                                  </>
                                )
                              }
                              onConfirm={() => remove(m)}
                            />
                          </div>
                        </td>
                      ) : null}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )
        }
      </Load>
    </section>
  );
}
