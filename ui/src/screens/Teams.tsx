/**
 * Teams: create one, see members (admins marked), invite by email and remove members (admins),
 * and answer the invites addressed to me. Teams live on the server: every answer is the
 * server's list, which the shell has also written into the local rows. The list reloads after
 * each finished sync, so a change pushed by another device shows without a reload.
 */
import { createResource, createSignal, For, type JSX, Match, Show, Switch } from "solid-js";

import { api, fieldError, type TeamsView, type TeamView } from "../api";
import { Empty, ErrorNote, FieldError, Loading } from "../components/Status";
import { loaded } from "../state/loaded";
import { navigate } from "../state/router";
import { syncedRevision, syncState } from "../state/sync";

export function TeamsScreen(): JSX.Element {
  return (
    <section class="pane teams" aria-labelledby="teams-heading">
      <h1 id="teams-heading">Teams</h1>
      <Show
        when={syncState().state !== "signedOut"}
        fallback={
          <Empty testid="teams-signed-out">
            Teams live on a sync server.{" "}
            <button type="button" class="link" onClick={() => navigate({ screen: "account" })}>
              Sign in
            </button>{" "}
            to create or join one.
          </Empty>
        }
      >
        <TeamsList />
      </Show>
    </section>
  );
}

function TeamsList(): JSX.Element {
  const [teams, { mutate }] = createResource(
    () => syncedRevision() + 1,
    () => api.listTeams(),
  );
  const [error, setError] = createSignal<unknown>(null);
  /** Runs a change; the server's new list replaces the shown one. */
  const change = async (request: Promise<TeamsView>): Promise<boolean> => {
    try {
      mutate(await request);
      setError(null);
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  };
  return (
    <>
      <NewTeam onCreate={(name) => change(api.createTeam(name))} />
      <Show when={error()}>
        <ErrorNote error={error()} testid="teams-error" />
      </Show>
      <Switch>
        <Match when={teams.error as unknown}>
          <ErrorNote error={teams.error} prefix="Could not load teams" />
        </Match>
        <Match when={loaded(teams) === undefined}>
          <Loading what="teams" />
        </Match>
        <Match when={loaded(teams)}>
          {(view) => (
            <>
              <h2>Invites to me</h2>
              <Show when={view().invites.length > 0} fallback={<Empty testid="no-invites">No invites.</Empty>}>
                <ul class="item-list" data-testid="my-invites">
                  <For each={view().invites}>
                    {(invite) => (
                      <li class="invite" data-testid="my-invite" data-team-id={invite.teamId}>
                        <span>
                          <strong>{invite.teamName}</strong> from {invite.invitedBy}
                          {invite.willBeAdmin ? " (as admin)" : ""}
                        </span>
                        <button
                          type="button"
                          data-testid="accept-invite"
                          onClick={() => void change(api.answerInvite(invite.teamId, true))}
                        >
                          Accept
                        </button>
                        <button
                          type="button"
                          data-testid="decline-invite"
                          onClick={() => void change(api.answerInvite(invite.teamId, false))}
                        >
                          Decline
                        </button>
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
              <h2>My teams</h2>
              <Show when={view().teams.length > 0} fallback={<Empty testid="no-teams">No teams yet.</Empty>}>
                <For each={view().teams}>
                  {(team) => <TeamCard team={team} change={change} show={(next) => mutate(next)} />}
                </For>
              </Show>
            </>
          )}
        </Match>
      </Switch>
    </>
  );
}

function NewTeam(props: { onCreate: (name: string) => Promise<boolean> }): JSX.Element {
  const [name, setName] = createSignal("");
  const [busy, setBusy] = createSignal(false);
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    if (await props.onCreate(name().trim())) setName("");
    setBusy(false);
  };
  return (
    <form class="inline-form" onSubmit={submit} data-testid="new-team">
      <label for="new-team-name">New team</label>
      <input
        id="new-team-name"
        data-testid="new-team-name"
        value={name()}
        onInput={(e) => setName(e.currentTarget.value)}
        placeholder="Name"
        required
      />
      <button type="submit" disabled={busy()} data-testid="create-team">
        Create
      </button>
    </form>
  );
}

function TeamCard(props: {
  team: TeamView;
  change: (request: Promise<TeamsView>) => Promise<boolean>;
  show: (view: TeamsView) => void;
}): JSX.Element {
  const [email, setEmail] = createSignal("");
  const [admin, setAdmin] = createSignal(false);
  const [error, setError] = createSignal<unknown>(null);
  const inviteId = () => `invite-email-${props.team.id}`;
  const invite = async (event: SubmitEvent) => {
    event.preventDefault();
    try {
      props.show(await api.inviteMember(props.team.id, email().trim(), admin()));
      setEmail("");
      setAdmin(false);
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  const emailError = () => fieldError(error(), "email");
  return (
    <article class="team" data-testid="team" data-team-id={props.team.id}>
      <h3 data-testid="team-name">{props.team.name}</h3>
      <ul class="members" data-testid="team-members">
        <For each={props.team.members}>
          {(member) => (
            <li data-testid="team-member" data-admin={member.isAdmin ? "true" : "false"}>
              <span data-testid="member-email">{member.email}</span>
              <Show when={member.isAdmin}>
                {" "}
                <span class="badge" data-testid="admin-badge">
                  admin
                </span>
              </Show>
              <Show when={member.isMe}>
                {" "}
                <span class="badge neutral">you</span>
              </Show>
              <Show when={props.team.iAmAdmin && !member.isMe}>
                {" "}
                <button
                  type="button"
                  class="link danger"
                  data-testid="remove-member"
                  onClick={() => void props.change(api.removeMember(props.team.id, member.userId))}
                >
                  Remove
                </button>
              </Show>
            </li>
          )}
        </For>
      </ul>
      <Show when={props.team.invites.length > 0}>
        <p class="hint" data-testid="team-invites">
          Invited: {props.team.invites.map((i) => i.email + (i.willBeAdmin ? " (as admin)" : "")).join(", ")}
        </p>
      </Show>
      <Show when={props.team.iAmAdmin}>
        <form class="inline-form" onSubmit={invite} data-testid="invite-member">
          <label for={inviteId()}>Invite</label>
          <input
            id={inviteId()}
            data-testid="invite-email"
            type="email"
            value={email()}
            placeholder="Email"
            onInput={(e) => setEmail(e.currentTarget.value)}
            required
            aria-invalid={emailError() ? "true" : undefined}
            aria-describedby={`${inviteId()}-error`}
          />
          <label class="check">
            <input type="checkbox" checked={admin()} onChange={(e) => setAdmin(e.currentTarget.checked)} />
            as admin
          </label>
          <button type="submit" data-testid="invite-submit">
            Invite
          </button>
          <FieldError id={`${inviteId()}-error`} message={emailError()} />
          <Show when={error() && !emailError()}>
            <ErrorNote error={error()} testid="invite-error" />
          </Show>
        </form>
      </Show>
    </article>
  );
}
