/**
 * A list that renders only the rows in view (plus a few either side), so a chat of 10,000
 * messages costs what a screenful costs. Rows may differ in height: each is measured once it
 * renders. The scroller is focusable, so the keyboard scrolls it too.
 */
import { createVirtualizer } from "@tanstack/solid-virtual";
import { createEffect, createMemo, For, type JSX, on, Show, untrack } from "solid-js";

export interface VirtualListProps<T> {
  items: readonly T[];
  /** A row's expected height in pixels, before it is measured. */
  estimate: number;
  /** A stable key per item, so measured heights follow items when the list changes. */
  key: (item: T) => string;
  children: (item: T, index: number) => JSX.Element;
  label: string;
  class?: string;
  testid?: string;
  /** Scrolls this row into view whenever it changes. */
  scrollTo?: { index: number; align: "start" | "center" | "end" } | null;
}

export function VirtualList<T>(props: VirtualListProps<T>): JSX.Element {
  let scroller: HTMLDivElement | undefined;
  const virtualizer = createVirtualizer({
    get count() {
      return props.items.length;
    },
    getScrollElement: () => scroller ?? null,
    estimateSize: () => props.estimate,
    getItemKey: (index: number) => {
      const item = props.items[index];
      return item === undefined ? index : props.key(item);
    },
    overscan: 6,
    // Sizes come from the ResizeObserver, which reports every new row once after layout, all
    // in one batch before paint. Reading offsetHeight when a row mounts instead forced a
    // layout per row (each measurement moves the rows after it): most of opening a chat.
    measureElement: (element, entry, instance) => {
      const box = entry?.borderBoxSize[0];
      if (box) return Math.round(box.blockSize);
      const key = instance.options.getItemKey(instance.indexFromElement(element));
      return instance.itemSizeCache.get(key) ?? props.estimate;
    },
    // Lets the first rows render before layout is known (and in tests, where there is none).
    initialRect: { width: 800, height: 600 },
  });

  createEffect(
    on(
      () => props.scrollTo,
      (target) => {
        if (target && target.index >= 0 && target.index < props.items.length) {
          virtualizer.scrollToIndex(target.index, { align: target.align });
        }
      },
    ),
  );

  // Rows are keyed by the item's key (a string), so a row's DOM survives scrolling and reloads
  // of the list: only rows entering the window are created.
  const rows = createMemo(() => new Map(virtualizer.getVirtualItems().map((row) => [String(row.key), row])));
  const keys = createMemo(() => [...rows().keys()]);

  return (
    <div
      ref={scroller}
      class={`virtual-scroll ${props.class ?? ""}`}
      tabIndex={0}
      role="list"
      aria-label={props.label}
      data-testid={props.testid}
    >
      <div class="virtual-space" style={{ height: `${virtualizer.getTotalSize()}px` }}>
        <For each={keys()}>
          {(key) => (
            <Show when={rows().get(key)}>
              {(row) => {
                // Re-rendered only when the row's item changes (a reload brings new objects),
                // not on every scroll or measurement.
                const index = createMemo(() => row().index);
                const item = createMemo(() => ({ value: props.items[index()] }), undefined, {
                  equals: (a, b) => a.value === b.value,
                });
                const content = createMemo(() => {
                  const current = item();
                  return index() < props.items.length ? props.children(current.value as T, untrack(index)) : null;
                });
                return (
                  <div
                    class="virtual-row"
                    role="listitem"
                    data-index={row().index}
                    ref={(element) => queueMicrotask(() => virtualizer.measureElement(element))}
                    style={{ transform: `translateY(${row().start}px)` }}
                  >
                    {content()}
                  </div>
                );
              }}
            </Show>
          )}
        </For>
      </div>
    </div>
  );
}
