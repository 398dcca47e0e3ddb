/** Pure helpers of the run screens. */
import type { RunState } from "../api";

const LABELS: Record<RunState, string> = {
  Scheduled: "Scheduled",
  InProgress: "In progress",
  Paused: "Paused",
  Completed: "Completed",
  Failed: "Failed",
  Cancelled: "Cancelled",
};

/** A status as people read it. */
export function statusLabel(status: RunState): string {
  return LABELS[status];
}

/** The verb on the button that moves a run to `to`. */
export function transitionLabel(from: RunState, to: RunState): string {
  switch (to) {
    case "InProgress":
      return from === "Paused" ? "Resume" : "Start";
    case "Paused":
      return "Pause";
    case "Completed":
      return "Complete";
    case "Failed":
      return "Mark failed";
    case "Cancelled":
      return "Cancel";
    case "Scheduled":
      return "Reschedule";
  }
}

/** Whether `text` is JSON, as a run's input/output data must be. */
export function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
