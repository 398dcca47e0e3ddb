import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const api = vi.hoisted(() => ({
  getAccount: vi.fn(),
  signIn: vi.fn(),
  signOut: vi.fn(),
  listDevices: vi.fn(),
  revokeDevice: vi.fn(),
  syncNow: vi.fn(),
  listTeams: vi.fn(),
  createTeam: vi.fn(),
  inviteMember: vi.fn(),
  answerInvite: vi.fn(),
  removeMember: vi.fn(),
}));
vi.mock("../api", async (original) => ({ ...(await original<typeof import("../api")>()), api }));

import { type AccountView, ApiError, type TeamsView } from "../api";
import { SyncIndicator } from "../components/SyncIndicator";
import { route } from "../state/router";
import { applySyncState } from "../state/sync";
import { AccountScreen, DEFAULT_SERVER, passwordError } from "./Account";
import { TeamsScreen } from "./Teams";

const signedOut: AccountView = {
  signedIn: false,
  server: null,
  email: null,
  userId: null,
  deviceId: null,
  pendingChanges: 2,
};
const signedIn: AccountView = {
  signedIn: true,
  server: "http://127.0.0.1:9000",
  email: "me@example.org",
  userId: "11",
  deviceId: "21",
  pendingChanges: 0,
};

beforeEach(() => {
  for (const fn of Object.values(api)) fn.mockReset();
  applySyncState({ state: "signedOut" });
});
afterEach(cleanup);

describe("passwordError", () => {
  it("puts a wrong password under the password input, and nothing else", () => {
    const wrong = new ApiError({ code: "wrong_credentials", message: "wrong email or password" });
    expect(passwordError(wrong)).toBe("wrong email or password");
    expect(passwordError(new ApiError({ code: "locked", message: "try again in 15 min" }))).toBeUndefined();
    expect(passwordError(new ApiError({ code: "invalid", message: "too short", field: "password" }))).toBe("too short");
  });
});

describe("AccountScreen", () => {
  it("offers the sign-in form with the default server, and shows a bad URL under its input", async () => {
    api.getAccount.mockResolvedValue(signedOut);
    api.signIn.mockRejectedValue(
      new ApiError({ code: "invalid_server", message: "invalid server address", field: "server" }),
    );
    render(() => <AccountScreen />);
    const server = (await screen.findByTestId("sign-in-server")) as HTMLInputElement;
    expect(server.value).toBe(DEFAULT_SERVER);
    fireEvent.input(server, { target: { value: "localhost" } });
    fireEvent.input(screen.getByTestId("sign-in-email"), { target: { value: "me@example.org" } });
    fireEvent.input(screen.getByTestId("sign-in-password"), { target: { value: "secret-pass" } });
    fireEvent.click(screen.getByTestId("register-submit"));
    await waitFor(() => expect(server.getAttribute("aria-invalid")).toBe("true"));
    expect(api.signIn).toHaveBeenCalledWith("localhost", "me@example.org", "secret-pass", true);
    expect(screen.getByTestId("field-error-sign-in-server-error").textContent).toBe("invalid server address");
  });

  it("shows a lock-out as an alert, not under an input", async () => {
    api.getAccount.mockResolvedValue(signedOut);
    api.signIn.mockRejectedValue(new ApiError({ code: "locked", message: "too many wrong passwords" }));
    render(() => <AccountScreen />);
    fireEvent.input(await screen.findByTestId("sign-in-email"), { target: { value: "me@example.org" } });
    fireEvent.input(screen.getByTestId("sign-in-password"), { target: { value: "x" } });
    fireEvent.submit(screen.getByTestId("sign-in"));
    const alert = await screen.findByTestId("sign-in-error");
    expect(alert.textContent).toContain("too many wrong passwords (locked)");
    expect(api.signIn).toHaveBeenCalledWith(DEFAULT_SERVER, "me@example.org", "x", false);
  });

  it("when signed in, lists the devices and revokes another one", async () => {
    api.getAccount.mockResolvedValue(signedIn);
    const devices = [
      { id: "21", name: "laptop", createdAt: "", lastSeenAt: "", revoked: false, current: true },
      { id: "22", name: "phone", createdAt: "", lastSeenAt: "", revoked: false, current: false },
    ];
    api.listDevices.mockResolvedValue(devices);
    api.revokeDevice.mockResolvedValue([devices[0], { ...devices[1], revoked: true }]);
    applySyncState({ state: "synced", at: "2025-03-04T14:00:00.000000Z" });
    render(() => <AccountScreen />);
    expect((await screen.findByTestId("account-email")).textContent).toBe("me@example.org");
    await waitFor(() => expect(screen.getAllByTestId("device")).toHaveLength(2));
    const revoke = screen.getAllByTestId("revoke-device");
    expect(revoke).toHaveLength(1);
    fireEvent.click(revoke[0]);
    await waitFor(() => expect(screen.queryAllByTestId("revoke-device")).toHaveLength(0));
    expect(api.revokeDevice).toHaveBeenCalledWith("22");
  });
});

describe("SyncIndicator", () => {
  it("follows the status and opens the account screen", () => {
    render(() => <SyncIndicator />);
    const indicator = screen.getByTestId("sync-status");
    expect(indicator.dataset.state).toBe("signedOut");
    applySyncState({ state: "syncing", done: 1, total: 4 });
    expect(screen.getByTestId("sync-status-text").textContent).toBe("Syncing 1 of 4");
    applySyncState({ state: "error", code: "keyring", message: "no keyring is reachable" });
    expect(indicator.dataset.state).toBe("error");
    expect(indicator.getAttribute("aria-label")).toContain("no keyring is reachable");
    fireEvent.click(indicator);
    expect(route().screen).toBe("account");
  });
});

describe("TeamsScreen", () => {
  const teams: TeamsView = {
    teams: [
      {
        id: "7",
        name: "Crew",
        createdAt: "",
        iAmAdmin: true,
        members: [
          { userId: "11", email: "me@example.org", isAdmin: true, isMe: true },
          { userId: "12", email: "pal@example.org", isAdmin: false, isMe: false },
        ],
        invites: [],
      },
    ],
    invites: [
      {
        teamId: "8",
        teamName: "Friends",
        email: "me@example.org",
        willBeAdmin: false,
        invitedBy: "boss@example.org",
        createdAt: "",
      },
    ],
  };

  it("asks to sign in first", () => {
    render(() => <TeamsScreen />);
    expect(screen.getByTestId("teams-signed-out")).toBeTruthy();
    expect(api.listTeams).not.toHaveBeenCalled();
  });

  it("marks admins, offers remove only for others, and answers an invite", async () => {
    applySyncState({ state: "synced", at: "2025-03-04T14:00:00.000000Z" });
    api.listTeams.mockResolvedValue(teams);
    api.answerInvite.mockResolvedValue({ ...teams, invites: [] });
    render(() => <TeamsScreen />);
    await waitFor(() => expect(screen.getAllByTestId("team-member")).toHaveLength(2));
    expect(screen.getAllByTestId("admin-badge")).toHaveLength(1);
    expect(screen.getAllByTestId("remove-member")).toHaveLength(1);
    fireEvent.click(screen.getByTestId("accept-invite"));
    await waitFor(() => expect(screen.getByTestId("no-invites")).toBeTruthy());
    expect(api.answerInvite).toHaveBeenCalledWith("8", true);
  });

  it("shows the server's refusal of an invite under the email", async () => {
    applySyncState({ state: "synced", at: "2025-03-04T14:00:00.000000Z" });
    api.listTeams.mockResolvedValue(teams);
    api.inviteMember.mockRejectedValue(new ApiError({ code: "invalid", message: "not an email", field: "email" }));
    render(() => <TeamsScreen />);
    const input = (await screen.findByTestId("invite-email")) as HTMLInputElement;
    fireEvent.input(input, { target: { value: "pal2@example.org" } });
    fireEvent.submit(screen.getByTestId("invite-member"));
    await waitFor(() => expect(input.getAttribute("aria-invalid")).toBe("true"));
    expect(api.inviteMember).toHaveBeenCalledWith("7", "pal2@example.org", false);
  });
});
