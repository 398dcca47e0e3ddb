/**
 * Account & sync: sign in or register against a server URL, or, when signed in, the account,
 * what sync is doing, sign out, and the account's devices with revoke. Every request goes
 * through the shell (HTTP happens in Rust); refusals show beside the input they name.
 */
import { createResource, createSignal, For, type JSX, Match, Show, Switch } from "solid-js";

import { type AccountView, api, ApiError, type DeviceView, fieldError } from "../api";
import { Empty, ErrorNote, FieldError, Loading } from "../components/Status";
import { formatTime } from "../state/format";
import { loaded } from "../state/loaded";
import { syncedRevision, syncLabel, syncState } from "../state/sync";

/** The server a fresh form suggests: a `vrooli-server` on this machine, its default port. */
export const DEFAULT_SERVER = "http://127.0.0.1:8787";

/** The message for the password input: its own field error, or a wrong password. */
export function passwordError(error: unknown): string | undefined {
  if (error instanceof ApiError && error.code === "wrong_credentials") return error.message;
  return fieldError(error, "password");
}

export function AccountScreen(): JSX.Element {
  // Reloads after sign-in/out and whenever a sync finishes (the pending count moves).
  const [version, setVersion] = createSignal(0);
  const [account, { mutate }] = createResource(
    () => [version(), syncedRevision(), syncState().state] as const,
    () => api.getAccount(),
  );
  const changed = (next: AccountView) => {
    mutate(next);
    setVersion((n) => n + 1);
  };
  return (
    <section class="pane account" aria-labelledby="account-heading">
      <h1 id="account-heading">Account &amp; sync</h1>
      <Switch>
        <Match when={account.error as unknown}>
          <ErrorNote error={account.error} prefix="Could not load the account" />
        </Match>
        <Match when={loaded(account) === undefined}>
          <Loading what="the account" />
        </Match>
        <Match when={loaded(account)?.signedIn === false ? loaded(account) : undefined}>
          {(shown) => <SignIn account={shown()} onSignedIn={changed} />}
        </Match>
        <Match when={loaded(account)}>{(shown) => <SignedIn account={shown()} onSignedOut={changed} />}</Match>
      </Switch>
    </section>
  );
}

function SignIn(props: { account: AccountView; onSignedIn: (account: AccountView) => void }): JSX.Element {
  const [server, setServer] = createSignal(props.account.server ?? DEFAULT_SERVER);
  const [email, setEmail] = createSignal(props.account.email ?? "");
  const [password, setPassword] = createSignal("");
  const [error, setError] = createSignal<unknown>(null);
  const [busy, setBusy] = createSignal(false);
  const submit = async (createAccount: boolean) => {
    setBusy(true);
    try {
      const account = await api.signIn(server().trim(), email().trim(), password(), createAccount);
      setPassword("");
      setError(null);
      props.onSignedIn(account);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const serverError = () => fieldError(error(), "server");
  const emailError = () => fieldError(error(), "email");
  const pwError = () => passwordError(error());
  const otherError = () => error() && !serverError() && !emailError() && !pwError();
  return (
    <form
      class="stack-form"
      data-testid="sign-in"
      onSubmit={(event) => {
        event.preventDefault();
        void submit(false);
      }}
    >
      <p class="hint">
        Not signed in: this device keeps its data to itself. Sign in to a Vrooli server to sync it with your other
        devices and your teams.
      </p>
      <fieldset>
        <legend>Sign in</legend>
        <label for="sign-in-server">Server</label>
        <input
          id="sign-in-server"
          data-testid="sign-in-server"
          type="text"
          inputmode="url"
          spellcheck={false}
          value={server()}
          onInput={(e) => setServer(e.currentTarget.value)}
          required
          aria-invalid={serverError() ? "true" : undefined}
          aria-describedby="sign-in-server-error"
        />
        <FieldError id="sign-in-server-error" message={serverError()} />
        <label for="sign-in-email">Email</label>
        <input
          id="sign-in-email"
          data-testid="sign-in-email"
          type="email"
          autocomplete="username"
          value={email()}
          onInput={(e) => setEmail(e.currentTarget.value)}
          required
          aria-invalid={emailError() ? "true" : undefined}
          aria-describedby="sign-in-email-error"
        />
        <FieldError id="sign-in-email-error" message={emailError()} />
        <label for="sign-in-password">Password</label>
        <input
          id="sign-in-password"
          data-testid="sign-in-password"
          type="password"
          autocomplete="current-password"
          value={password()}
          onInput={(e) => setPassword(e.currentTarget.value)}
          required
          aria-invalid={pwError() ? "true" : undefined}
          aria-describedby="sign-in-password-error"
        />
        <FieldError id="sign-in-password-error" message={pwError()} />
        <div class="actions">
          <button type="submit" disabled={busy()} data-testid="sign-in-submit">
            Sign in
          </button>
          <button type="button" disabled={busy()} data-testid="register-submit" onClick={() => void submit(true)}>
            Create account
          </button>
        </div>
        <Show when={otherError()}>
          <ErrorNote error={error()} testid="sign-in-error" />
        </Show>
      </fieldset>
    </form>
  );
}

function SignedIn(props: { account: AccountView; onSignedOut: (account: AccountView) => void }): JSX.Element {
  const [error, setError] = createSignal<unknown>(null);
  const [busy, setBusy] = createSignal(false);
  const signOut = async () => {
    setBusy(true);
    try {
      props.onSignedOut(await api.signOut());
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const label = () => syncLabel(syncState());
  return (
    <>
      <dl class="names" data-testid="account">
        <dt>Server</dt>
        <dd data-testid="account-server">{props.account.server}</dd>
        <dt>Email</dt>
        <dd data-testid="account-email">{props.account.email}</dd>
        <dt>Sync</dt>
        <dd data-testid="account-sync" class={`tone-${label().tone}`}>
          {label().detail}
        </dd>
        <dt>Pending</dt>
        <dd data-testid="account-pending">
          {props.account.pendingChanges === 0
            ? "nothing: the server has every change made here"
            : `${props.account.pendingChanges} document(s) with changes not on the server yet`}
        </dd>
      </dl>
      <div class="actions">
        <button type="button" data-testid="sync-now" onClick={() => void api.syncNow().catch(setError)}>
          Sync now
        </button>
        <button type="button" disabled={busy()} data-testid="sign-out" onClick={() => void signOut()}>
          Sign out
        </button>
      </div>
      <Show when={error()}>
        <ErrorNote error={error()} testid="account-error" />
      </Show>
      <Devices />
    </>
  );
}

function Devices(): JSX.Element {
  const [devices, { mutate, refetch }] = createResource(() => api.listDevices());
  const [error, setError] = createSignal<unknown>(null);
  const revoke = async (device: DeviceView) => {
    try {
      mutate(await api.revokeDevice(device.id));
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      <h2>Devices</h2>
      <Switch>
        <Match when={devices.error as unknown}>
          <ErrorNote error={devices.error} prefix="Could not load the devices" />
          <button type="button" onClick={() => void refetch()}>
            Try again
          </button>
        </Match>
        <Match when={loaded(devices) === undefined}>
          <Loading what="devices" />
        </Match>
        <Match when={loaded(devices)?.length === 0}>
          <Empty testid="no-devices">No devices.</Empty>
        </Match>
        <Match when={loaded(devices)}>
          {(list) => (
            <table data-testid="devices">
              <thead>
                <tr>
                  <th scope="col">Device</th>
                  <th scope="col">Signed in</th>
                  <th scope="col">Last seen</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                <For each={list()}>
                  {(device) => (
                    <tr data-testid="device" data-device-id={device.id} classList={{ deleted: device.revoked }}>
                      <th scope="row">
                        {device.name}
                        <Show when={device.current}>
                          {" "}
                          <span class="badge neutral">this device</span>
                        </Show>
                        <Show when={device.revoked}>
                          {" "}
                          <span class="badge neutral">revoked</span>
                        </Show>
                      </th>
                      <td>{formatTime(device.createdAt)}</td>
                      <td>{formatTime(device.lastSeenAt)}</td>
                      <td>
                        <Show when={!device.current && !device.revoked}>
                          <button
                            type="button"
                            class="link danger"
                            data-testid="revoke-device"
                            onClick={() => void revoke(device)}
                          >
                            Revoke
                          </button>
                        </Show>
                      </td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          )}
        </Match>
      </Switch>
      <Show when={error()}>
        <ErrorNote error={error()} testid="revoke-error" />
      </Show>
    </>
  );
}
