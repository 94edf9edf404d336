// A set of service ports' written rules: per key, plus all their nat chains kept sorted by
// name and the running rule counts, so adding or replacing one service port is cheap.
import type { ServicePortEntry } from '../model.js';
import type { ServicePortRules } from './servicerules.js';
import { SortedChains } from './sortedchains.js';

export class RuleIndex {
  #rules = new Map<string, ServicePortRules>();
  #entries = new Map<string, ServicePortEntry>();
  #chains = new SortedChains();
  natRuleCount = 0;
  filterRuleCount = 0;

  /** The rules of a service port key, if indexed. */
  get(key: string): ServicePortRules | undefined {
    return this.#rules.get(key);
  }

  /** The model entry the indexed rules were written from. */
  entryOf(key: string): ServicePortEntry | undefined {
    return this.#entries.get(key);
  }

  keys(): IterableIterator<string> {
    return this.#entries.keys();
  }

  /** Nat chains of every indexed service port, in name order. */
  get chains(): SortedChains {
    return this.#chains;
  }

  /** Replaces everything at once (one sort instead of many inserts). */
  reset(items: readonly [ServicePortEntry, ServicePortRules][]): void {
    this.#rules.clear();
    this.#entries.clear();
    this.natRuleCount = 0;
    this.filterRuleCount = 0;
    const chains = [];
    for (const [entry, r] of items) {
      this.#rules.set(entry.info.key, r);
      this.#entries.set(entry.info.key, entry);
      this.natRuleCount += r.natRuleCount;
      this.filterRuleCount += r.filterRuleCount;
      for (const c of r.natChains) chains.push(c);
    }
    this.#chains = SortedChains.from(chains);
  }

  /** Adds or replaces the rules of one service port. */
  set(entry: ServicePortEntry, r: ServicePortRules): void {
    const key = entry.info.key;
    this.delete(key);
    for (const c of r.natChains) this.#chains.insert(c);
    this.natRuleCount += r.natRuleCount;
    this.filterRuleCount += r.filterRuleCount;
    this.#rules.set(key, r);
    this.#entries.set(key, entry);
  }

  /** Removes a service port's rules; returns whether it was indexed. */
  delete(key: string): boolean {
    const old = this.#rules.get(key);
    if (old === undefined) return false;
    for (const c of old.natChains) this.#chains.remove(c.name);
    this.natRuleCount -= old.natRuleCount;
    this.filterRuleCount -= old.filterRuleCount;
    this.#rules.delete(key);
    this.#entries.delete(key);
    return true;
  }
}
