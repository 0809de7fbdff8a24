// Metrics read from files that Sightglass does not track itself: whylogs compound metrics (image
// `image/Brightness.mean:distribution/kll`), multi-metrics (`unicode_range/digits:counts/n`), condition
// counts and custom namespaces. They are kept so a read-merge-write cycle loses nothing, and merged where the
// meaning of each component is known.

import { FrequentItemsSketch, HllSketch, HllUnion, KllDoublesSketch } from "@sightglass/sketches";
import type { ColumnComponents, MetricComponent } from "../codec/message.js";
import { ProfileError } from "../errors.js";
import {
  CardinalityMetric,
  CountsMetric,
  DistributionMetric,
  FrequentItemsMetric,
  IntsMetric,
  TypesMetric,
} from "./standard.js";
import type { ColumnMetric, SummaryValue } from "./standard.js";

type StandardReader = (c: ColumnComponents) => ColumnMetric;

/** Standard namespaces whose components Sightglass understands, with their component names. */
export const STANDARD_READERS: ReadonlyMap<string, { components: readonly string[]; read: StandardReader }> =
  new Map<string, { components: readonly string[]; read: StandardReader }>([
    ["counts", { components: CountsMetric.components, read: (c) => CountsMetric.fromComponents(c) }],
    ["types", { components: TypesMetric.components, read: (c) => TypesMetric.fromComponents(c) }],
    [
      "distribution",
      { components: DistributionMetric.components, read: (c) => DistributionMetric.fromComponents(c) },
    ],
    ["ints", { components: IntsMetric.components, read: (c) => IntsMetric.fromComponents(c) }],
    [
      "cardinality",
      { components: CardinalityMetric.components, read: (c) => CardinalityMetric.fromComponents(c) },
    ],
    [
      "frequent_items",
      { components: FrequentItemsMetric.components, read: (c) => FrequentItemsMetric.fromComponents(c, 128) },
    ],
  ]);

/** Reads a standard metric if every component is one its namespace defines; otherwise returns undefined. */
export function readStandard(namespace: string, c: ColumnComponents): ColumnMetric | undefined {
  const reader = STANDARD_READERS.get(namespace);
  if (reader === undefined) return undefined;
  for (const path of c.keys()) {
    const component = path.slice(namespace.length + 1);
    if (!reader.components.includes(component)) return undefined;
  }
  return reader.read(c);
}

function mergeComponent(path: string, a: MetricComponent, b: MetricComponent): MetricComponent {
  const fail = (): never => {
    throw new ProfileError(
      "incompatible",
      a.kind === b.kind && a.typeId === b.typeId
        ? `no known way to merge ${a.kind} components (type id ${a.typeId}) of a metric Sightglass does not ` +
            "track; merge such profiles with the library that wrote them, or drop the metric first"
        : `the two profiles store this component differently (${a.kind}/${a.typeId} vs ${b.kind}/${b.typeId})`,
      { path },
    );
  };
  if (a.kind !== b.kind || a.typeId !== b.typeId) return fail();
  try {
    switch (a.kind) {
      case "n": {
        const x = a.value;
        const y = (b as typeof a).value;
        // type ids 1 and 2 are whylogs' min and max aggregators; plain counters add; custom ids are unknown.
        if (a.typeId > 2) return fail();
        const value = a.typeId === 1 ? (x < y ? x : y) : a.typeId === 2 ? (x > y ? x : y) : x + y;
        return { kind: "n", typeId: a.typeId, value };
      }
      case "kll": {
        const k = KllDoublesSketch.deserialize(a.bytes);
        k.merge(KllDoublesSketch.deserialize((b as typeof a).bytes));
        return { kind: "kll", typeId: 0, bytes: k.serialize({ layout: "whylogs" }) };
      }
      case "hll": {
        const x = HllSketch.deserialize(a.bytes);
        const y = HllSketch.deserialize((b as typeof a).bytes);
        const u = new HllUnion(Math.max(x.getLgConfigK(), y.getLgConfigK()));
        u.update(x);
        u.update(y);
        return { kind: "hll", typeId: 0, bytes: u.getResult(x.getTgtHllType()).serializeCompact() };
      }
      case "frequent_items": {
        const f = FrequentItemsSketch.deserialize(a.bytes);
        f.merge(FrequentItemsSketch.deserialize((b as typeof a).bytes));
        return { kind: "frequent_items", typeId: 0, bytes: f.serialize() };
      }
      default:
        return fail();
    }
  } catch (cause) {
    if (cause instanceof ProfileError) throw cause;
    throw new ProfileError("malformed", `cannot merge sketches: ${(cause as Error).message}`, {
      path,
      cause,
    });
  }
}

/**
 * Everything of one namespace that is not a plain standard metric. Components are grouped by sub-metric
 * (`image/Brightness.mean:distribution/…`); a group whose inner namespace is standard is merged with that
 * metric's rules, other components by their kind (counters add, type-1/2 integers take min/max, sketches merge).
 * Components whose merge is undefined (doubles outside a known metric, raw bytes) make a merge fail with
 * `incompatible` instead of guessing.
 */
export class PreservedMetric implements ColumnMetric {
  readonly namespace: string;
  readonly components: ColumnComponents;

  constructor(namespace: string, components: ColumnComponents) {
    this.namespace = namespace;
    this.components = new Map(components);
  }

  update(): void {
    // Only read from files; never updated by tracking.
  }

  mergeFrom(other: ColumnMetric): void {
    if (!(other instanceof PreservedMetric) || other.namespace !== this.namespace) {
      throw new ProfileError("incompatible", `cannot merge metric ${other.namespace} into ${this.namespace}`);
    }
    const groups = new Map<string, [ColumnComponents, ColumnComponents]>();
    const groupOf = (path: string): string => path.slice(0, path.lastIndexOf("/"));
    for (const [side, source] of [
      [0, this.components],
      [1, other.components],
    ] as const) {
      for (const [path, comp] of source) {
        const g = groupOf(path);
        let pair = groups.get(g);
        if (pair === undefined) groups.set(g, (pair = [new Map(), new Map()]));
        pair[side].set(path, comp);
      }
    }
    const merged: ColumnComponents = new Map();
    for (const [group, [a, b]] of groups) {
      if (a.size === 0 || b.size === 0) {
        for (const [p, c] of a.size === 0 ? b : a) merged.set(p, c);
        continue;
      }
      // `ns/sub:inner` → inner is the metric kind of this group, e.g. `distribution`.
      const colon = group.lastIndexOf(":");
      const inner = colon >= 0 ? group.slice(colon + 1) : undefined;
      const ma = inner === undefined ? undefined : readStandard(inner, rebase(a, group, inner));
      const mb = inner === undefined ? undefined : readStandard(inner, rebase(b, group, inner));
      if (ma !== undefined && mb !== undefined && inner !== undefined) {
        ma.mergeFrom(mb);
        const out: ColumnComponents = new Map();
        ma.writeComponents(out);
        for (const [p, c] of out) merged.set(group + p.slice(inner.length), c);
        continue;
      }
      for (const [p, c] of a) {
        const o = b.get(p);
        merged.set(p, o === undefined ? c : mergeComponent(p, c, o));
      }
      for (const [p, c] of b) if (!a.has(p)) merged.set(p, c);
    }
    this.components.clear();
    for (const [p, c] of merged) this.components.set(p, c);
  }

  copy(): PreservedMetric {
    return new PreservedMetric(this.namespace, this.components);
  }

  writeComponents(out: ColumnComponents): void {
    for (const [p, c] of this.components) out.set(p, c);
  }

  writeSummary(out: Record<string, SummaryValue>): void {
    // Plain counters are reported under their path (whylogs does the same for condition counts).
    for (const [p, c] of this.components) if (c.kind === "n" && c.typeId === 0) out[p] = Number(c.value);
  }
}

/** `image/B.mean:distribution/kll` (group `image/B.mean:distribution`) → `distribution/kll`. */
function rebase(c: ColumnComponents, group: string, inner: string): ColumnComponents {
  const out: ColumnComponents = new Map();
  for (const [p, comp] of c) out.set(inner + p.slice(group.length), comp);
  return out;
}
