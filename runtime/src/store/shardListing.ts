/**
 * Shard listings: a run alone in the store is about to look up many keys; when the store is small
 * next to that, each shard directory is listed once and a key not listed is a miss without a
 * lookup (a stat per miss is a tenth of a cold run's time). Keys spread evenly over the 256
 * shards, so the first shard listed tells whether listing the others costs less than the stats it
 * saves. Only misses are answered from the listings; they go stale only if another run writes, so
 * a run stops listing (`stop`) as soon as another shares the store.
 */
import * as fs from "node:fs";
import type { StoreLayout } from "./layout.js";

/**
 * Lookups while listing that all found an output: when the first LISTING_PROBE all did (a run of a
 * graph already complete), listing the other shards would buy nothing, and a lookup opens the file
 * without a stat first (only a rare miss then costs an exception).
 */
const LISTING_PROBE = 64;

/** How to look a key up: a known miss, open its file at once, or stat it first. */
export type Lookup = "miss" | "open" | "stat";

export class ShardListings {
  constructor(private readonly layout: StoreLayout) {}

  private listings: Map<string, Set<string>> | undefined;
  private lookupsExpected = 0;
  /** Lookups while listing that all found an output, -1 after a miss (see LISTING_PROBE). */
  private probe = 0;
  private openFirst = false;

  /** A run is about to look up `count` keys (Store.expectLookups). */
  expect(count: number): void {
    this.listings = count >= 1024 ? new Map() : undefined;
    this.lookupsExpected = count;
    this.probe = 0;
    this.openFirst = false;
  }

  stop(): void {
    this.listings = undefined;
  }

  /** How to look `key` up now. */
  lookup(key: string): Lookup {
    if (this.listings) {
      if (this.listedMiss(key)) {
        this.probe = -1;
        return "miss";
      }
      if (this.probe >= 0 && ++this.probe === LISTING_PROBE) {
        this.listings = undefined;
        this.openFirst = true;
      }
    }
    // The listing has it, or misses are rare: no stat first.
    return this.listings !== undefined || this.openFirst ? "open" : "stat";
  }

  /** True when the shard listings say `key` has no output. */
  private listedMiss(key: string): boolean {
    const listings = this.listings;
    if (!listings) return false;
    const shard = key.slice(0, 2);
    let names = listings.get(shard);
    if (!names) {
      names = new Set();
      try {
        for (const name of fs.readdirSync(this.layout.shard(shard))) names.add(this.layout.keyOfObjectFile(name));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== "ENOENT" && code !== "ENOTDIR") {
          this.listings = undefined; // unreadable: look each key up, which reports it
          return false;
        }
      }
      if (listings.size === 0 && names.size * 256 > this.lookupsExpected * 3) {
        this.listings = undefined; // a big store: listing would cost more than the lookups
        return !names.has(key);
      }
      listings.set(shard, names);
    }
    return !names.has(key);
  }
}
