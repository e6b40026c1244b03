/**
 * Union-find over 0..n-1 where the smaller index always becomes the root: callers number items
 * in credit order, so a cluster's root is its earliest member (the one that keeps the credit).
 */
export class UnionFind {
  readonly parent: Int32Array;

  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }

  find(x: number): number {
    const p = this.parent;
    let root = x;
    while (p[root] !== root) root = p[root];
    while (p[x] !== root) {
      const next = p[x];
      p[x] = root;
      x = next;
    }
    return root;
  }

  union(x: number, y: number): boolean {
    const rx = this.find(x);
    const ry = this.find(y);
    if (rx === ry) return false;
    if (rx < ry) this.parent[ry] = rx;
    else this.parent[rx] = ry;
    return true;
  }
}
