// Decoded bucket profiles, kept by version: a bucket merged or read again soon is not decoded again. Bounded by
// the encoded size of what it holds (a decoded view takes a few times that).
import type { DatasetProfileView } from "@sightglass/profile";

interface Entry {
  readonly version: number;
  readonly view: DatasetProfileView;
  readonly bytes: number;
}

export class ViewCache {
  private readonly entries = new Map<string, Entry>();
  private total = 0;

  constructor(private readonly maxBytes: number) {}

  static key(projectId: string, segmentKey: string, start: number): string {
    return `${projectId}\u0000${segmentKey}\u0000${start}`;
  }

  get(key: string, version: number): DatasetProfileView | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.version !== version) return undefined;
    // Most recently used last.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.view;
  }

  set(key: string, version: number, view: DatasetProfileView, bytes: number): void {
    const old = this.entries.get(key);
    if (old !== undefined) {
      if (old.version > version) return;
      this.total -= old.bytes;
      this.entries.delete(key);
    }
    if (bytes > this.maxBytes / 4) return;
    this.entries.set(key, { version, view, bytes });
    this.total += bytes;
    while (this.total > this.maxBytes) {
      const [oldestKey, oldest] = this.entries.entries().next().value!;
      this.entries.delete(oldestKey);
      this.total -= oldest.bytes;
    }
  }
}
