/**
 * Which screen is showing. The app has one window and no URLs to share, so the route is a
 * signal rather than the location; `navigate` is the only way to change it.
 */
import { createSignal } from "solid-js";

export type Route =
  | { screen: "chats"; chatId?: string; messageId?: string }
  | { screen: "resources"; resourceId?: string; versionId?: string }
  | { screen: "runs"; runId?: string }
  | { screen: "teams" }
  | { screen: "account" }
  | { screen: "settings" };

export type Screen = Route["screen"];

const [route, setRoute] = createSignal<Route>({ screen: "chats" });

export { route };

export function navigate(next: Route): void {
  setRoute(next);
}
