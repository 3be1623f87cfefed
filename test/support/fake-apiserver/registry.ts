import type { ResourceType } from './types.js';
import { apiVersionOf, typeKey } from './types.js';

/** Which resources are served; CRDs add and remove entries at run time. */
export class TypeRegistry {
  private readonly types = new Map<string, ResourceType>();

  add(t: ResourceType): void {
    this.types.set(typeKey(t), t);
  }

  remove(group: string, plural: string): void {
    this.types.delete(typeKey({ group, plural }));
  }

  all(): ResourceType[] {
    return [...this.types.values()];
  }

  byKey(key: string): ResourceType | undefined {
    return this.types.get(key);
  }

  /** The type served at /apis/<group>/<version>/<plural> (or /api/v1/<plural>). */
  resolve(group: string, version: string, plural: string): ResourceType | undefined {
    const t = this.types.get(typeKey({ group, plural }));
    return t && t.versions.includes(version) ? t : undefined;
  }

  /** The type an ownerReference or apiVersion/kind pair names. */
  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.all().find((t) => t.kind === kind && t.versions.some((v) => apiVersionOf(t.group, v) === apiVersion));
  }

  /** group → served versions, in registration order (for discovery). */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const t of this.types.values()) {
      const versions = out.get(t.group) ?? [];
      for (const v of t.versions) if (!versions.includes(v)) versions.push(v);
      out.set(t.group, versions);
    }
    return out;
  }
}
