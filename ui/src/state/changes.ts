/**
 * Turns the "documents changed" events into per-aggregate revision counters. A view that
 * shows chat 7 reads `revision("chat", "7")` inside its data source; when a write touches chat 7
 * the counter moves and the view reloads. `revision("chat")` moves on any chat change (lists).
 */
import { createStore } from "solid-js/store";

import type { Area, Changed } from "../api";

const [revisions, setRevisions] = createStore<Record<string, number>>({});

function bump(key: string): void {
  setRevisions(key, (n) => (n ?? 0) + 1);
}

/** Records changes as the event reports them. */
export function applyChanges(changes: readonly Changed[]): void {
  const areas = new Set<Area>();
  for (const { area, id } of changes) {
    areas.add(area);
    bump(`${area}:${id}`);
  }
  for (const area of areas) {
    bump(area);
  }
}

/** A counter that moves whenever the aggregate (or, without `id`, any of the area) changes. */
export function revision(area: Area, id?: string): number {
  return revisions[id === undefined ? area : `${area}:${id}`] ?? 0;
}
