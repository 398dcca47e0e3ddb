/**
 * The value of a resource to show: the latest loaded one (kept while a reload runs, so views
 * do not flash "loading" on every change), or `undefined` while nothing has loaded or when the
 * load failed. Solid's own `resource.latest` throws on a failed load.
 */
import type { Resource } from "solid-js";

export function loaded<T>(resource: Resource<T>): T | undefined {
  return resource.error ? undefined : resource.latest;
}
