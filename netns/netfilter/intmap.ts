// Open-addressing hash tables in one Int32Array each, for the per-packet lookups (index runs
// and the fast path's lookup branches). A JS Map with 50-bit number keys boxes every key and
// chases a pointer per probe; here key and value sit side by side, one cache line a lookup.
// Values are non-negative; -1 marks an empty slot and is what `get` answers when absent.

function mix(a: number, b: number): number {
  const h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b ^ (b >>> 15), 0x85ebca77);
  return h ^ (h >>> 16);
}

/** int32 key -> non-negative int32 value. */
export class IntMap {
  /** [key, value] per slot. */
  private slots = new Int32Array(32).fill(-1);
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: number): number {
    const s = this.slots;
    const mask = (s.length >> 1) - 1;
    for (let i = mix(key, 0) & mask; ; i = (i + 1) & mask) {
      const v = s[2 * i + 1]!;
      if (v < 0 || s[2 * i] === key) return v;
    }
  }

  set(key: number, value: number): void {
    if ((this.count + 1) * 4 > this.slots.length) this.grow();
    const s = this.slots;
    const mask = (s.length >> 1) - 1;
    for (let i = mix(key, 0) & mask; ; i = (i + 1) & mask) {
      if (s[2 * i + 1]! < 0) this.count++;
      else if (s[2 * i] !== key) continue;
      s[2 * i] = key;
      s[2 * i + 1] = value;
      return;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2).fill(-1);
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i + 1]! >= 0) this.set(old[i]!, old[i + 1]!);
  }
}

/** (int32, int32) key -> non-negative int32 value. */
export class IntPairMap {
  /** [a, b, value] per slot. */
  private slots = new Int32Array(48).fill(-1);
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(a: number, b: number): number {
    const s = this.slots;
    const mask = s.length / 3 - 1;
    for (let i = mix(a, b) & mask; ; i = (i + 1) & mask) {
      const v = s[3 * i + 2]!;
      if (v < 0 || (s[3 * i] === a && s[3 * i + 1] === b)) return v;
    }
  }

  set(a: number, b: number, value: number): void {
    if ((this.count + 1) * 2 > this.slots.length / 3) this.grow();
    const s = this.slots;
    const mask = s.length / 3 - 1;
    for (let i = mix(a, b) & mask; ; i = (i + 1) & mask) {
      if (s[3 * i + 2]! < 0) this.count++;
      else if (s[3 * i] !== a || s[3 * i + 1] !== b) continue;
      s[3 * i] = a;
      s[3 * i + 1] = b;
      s[3 * i + 2] = value;
      return;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2).fill(-1);
    this.count = 0;
    for (let i = 0; i < old.length; i += 3) if (old[i + 2]! >= 0) this.set(old[i]!, old[i + 1]!, old[i + 2]!);
  }
}
