/**
 * Leases protect content that in-flight work (a pull, a load) has written but no image refers to yet,
 * so garbage collection running meanwhile does not sweep it (containerd's model).
 */
export class Leases {
  private readonly active = new Set<Lease>();

  create(): Lease {
    const lease = new Lease(() => this.active.delete(lease));
    this.active.add(lease);
    return lease;
  }

  blobs(): Set<string> {
    const out = new Set<string>();
    for (const l of this.active) for (const d of l.blobs) out.add(d);
    return out;
  }

  layers(): Set<string> {
    const out = new Set<string>();
    for (const l of this.active) for (const c of l.layers) out.add(c);
    return out;
  }
}

export class Lease {
  readonly blobs = new Set<string>();
  readonly layers = new Set<string>();

  constructor(private readonly onRelease: () => void) {}

  addBlob(digest: string): void {
    this.blobs.add(digest);
  }

  addLayer(chainId: string): void {
    this.layers.add(chainId);
  }

  release(): void {
    this.onRelease();
  }
}
