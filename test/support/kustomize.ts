import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as prometheusOperator from '@kubernetes-models/prometheus-operator';
import * as kubernetes from 'kubernetes-models';
import { parseAllDocuments } from 'yaml';

// A loose view of Kubernetes objects; each is checked against its schema by validateObject.
// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects are arbitrary nested YAML here.
export type Manifest = Record<string, any>;

/** A kustomization using a field this resolver does not implement, or an unreadable resource. */
export class KustomizationError extends Error {
  override readonly name = 'KustomizationError';
}

// The fields deploy/k8s uses. Anything else fails loudly instead of being silently ignored.
const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'images', 'replicas']);

interface Kustomization {
  resources?: string[];
  images?: { name: string; newName?: string; newTag?: string }[];
  replicas?: { name: string; count: number }[];
}

/** The YAML documents of a file, failing on any parse error. */
export function readDocuments(path: string): Manifest[] {
  // YAML 1.1 as kubectl reads it: `defaultMode: 0440` is octal there (decimal 440 in YAML 1.2).
  return parseAllDocuments(readFileSync(path, 'utf8'), { version: '1.1' }).map((document) => {
    if (document.errors.length > 0) throw new KustomizationError(`${path}: ${document.errors[0]?.message}`);
    return document.toJS() as Manifest;
  });
}

/**
 * What `kustomize build DIR` renders for the subset of kustomize that deploy/k8s uses: `resources`
 * (files and directories holding a kustomization.yaml, depth first, in order), `images` and `replicas`.
 * Also returns every file it read, so a test can find manifests no kustomization applies.
 */
export function kustomizeBuild(dir: string, filesRead: Set<string> = new Set()): Manifest[] {
  const file = join(dir, 'kustomization.yaml');
  filesRead.add(resolve(file));
  const [kustomization] = readDocuments(file) as [Kustomization & Manifest];
  for (const key of Object.keys(kustomization)) {
    if (!SUPPORTED.has(key)) throw new KustomizationError(`${file}: field "${key}" is not supported here`);
  }
  const objects: Manifest[] = [];
  for (const resource of kustomization.resources ?? []) {
    const path = join(dir, resource);
    if (statSync(path).isDirectory()) {
      objects.push(...kustomizeBuild(path, filesRead));
    } else {
      // kustomize's default load restriction: a file resource lies within the kustomization's directory.
      if (!resolve(path).startsWith(`${resolve(dir)}/`)) throw new KustomizationError(`${path} is outside ${dir}`);
      filesRead.add(resolve(path));
      objects.push(...readDocuments(path));
    }
  }
  for (const { name, count } of kustomization.replicas ?? []) {
    const target = objects.find((object) => object.kind === 'Deployment' && object.metadata?.name === name);
    if (target === undefined) throw new KustomizationError(`${file}: replicas for unknown Deployment ${name}`);
    target.spec.replicas = count;
  }
  for (const image of kustomization.images ?? []) {
    for (const container of objects.flatMap((object) => object.spec?.template?.spec?.containers ?? [])) {
      const [name] = String(container.image).split(':');
      if (name === image.name) container.image = `${image.newName ?? name}:${image.newTag ?? 'latest'}`;
    }
  }
  return objects;
}

type ModelClass = new (data: unknown) => { validate(): void };

/** The kubernetes-models class for an object's apiVersion and kind. */
function modelFor(object: Manifest): ModelClass {
  const [group, version] = String(object.apiVersion).includes('/')
    ? String(object.apiVersion).split('/')
    : ['', String(object.apiVersion)];
  const namespaces: Record<string, unknown> = {
    '': kubernetes,
    apps: kubernetes.apps,
    'monitoring.coreos.com': prometheusOperator.monitoringCoreosCom,
  };
  const groupModule = namespaces[group ?? ''] as Record<string, Record<string, ModelClass>> | undefined;
  const model = groupModule?.[version ?? '']?.[String(object.kind)];
  if (model === undefined) throw new KustomizationError(`no schema for ${object.apiVersion} ${object.kind}`);
  return model;
}

/**
 * Validates an object against the Kubernetes OpenAPI schema (kubernetes-models) or the Prometheus
 * Operator CRD schema (@kubernetes-models/prometheus-operator).
 * @throws Error naming the object and the first schema violations
 */
export function validateObject(object: Manifest): void {
  const Model = modelFor(object);
  try {
    new Model(object).validate();
  } catch (error) {
    throw new KustomizationError(`${object.kind} ${object.metadata?.name}: ${(error as Error).message}`);
  }
}
