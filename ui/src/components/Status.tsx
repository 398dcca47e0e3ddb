/** The three states every data view has besides "loaded": loading, failed, and empty. */
import type { JSX } from "solid-js";

import { describeError } from "../api";

export function Loading(props: { what: string }): JSX.Element {
  return (
    <p class="status" role="status" aria-live="polite" data-testid="loading">
      Loading {props.what}…
    </p>
  );
}

export function ErrorNote(props: { error: unknown; prefix?: string; testid?: string }): JSX.Element {
  return (
    <p class="error" role="alert" data-testid={props.testid ?? "load-error"}>
      {props.prefix ? `${props.prefix}: ` : ""}
      {describeError(props.error)}
    </p>
  );
}

export function Empty(props: { children: JSX.Element; testid?: string }): JSX.Element {
  return (
    <p class="empty" data-testid={props.testid ?? "empty"}>
      {props.children}
    </p>
  );
}

/** The message under an input whose value the command refused; `id` ties it to the input. */
export function FieldError(props: { id: string; message: string | undefined }): JSX.Element {
  return (
    <p id={props.id} class="field-error" role="alert" data-testid={`field-error-${props.id}`} hidden={!props.message}>
      {props.message}
    </p>
  );
}
