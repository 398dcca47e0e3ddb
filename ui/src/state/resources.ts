/** Pure helpers of the resource screens: type filters, and a version as a document held it. */
import type { ResourceSummary } from "../api";

/** The distinct resource types among `resources`, sorted, for the filter. */
export function resourceTypes(resources: readonly ResourceSummary[]): string[] {
  return [...new Set(resources.map((r) => r.resourceType))].sort((a, b) => a.localeCompare(b));
}

/** A version as the resource document held it at some point in its history. */
export interface VersionSnapshot {
  label: string;
  complete: boolean;
  private: boolean;
  deleted: boolean;
  notes: string | null;
  names: { language: string; name: string; description: string | null }[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/**
 * Reads version `versionId` out of a resource document's JSON (`versions` by id, each with
 * `translations` by language); `null` when the document did not hold it yet.
 */
export function versionAt(document: unknown, versionId: string): VersionSnapshot | null {
  if (!isRecord(document) || !isRecord(document.versions)) return null;
  const version = document.versions[versionId];
  if (!isRecord(version)) return null;
  const translations = isRecord(version.translations) ? version.translations : {};
  const names = Object.entries(translations)
    .filter((entry): entry is [string, Record<string, unknown>] => isRecord(entry[1]))
    .map(([language, t]) => ({ language, name: text(t.name) ?? "", description: text(t.description) }));
  return {
    label: text(version.versionLabel) ?? "",
    complete: version.isComplete === true || version.isComplete === 1,
    private: version.isPrivate === true || version.isPrivate === 1,
    deleted: version.isDeleted === true || version.isDeleted === 1,
    notes: text(version.versionNotes),
    names,
  };
}
