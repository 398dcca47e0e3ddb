// The automerge-repo side of `crates/vrooli-server/benches/sync.rs`: the same fresh-device pull
// (the very documents the Vrooli server holds, saved bytes and all) through an automerge-repo
// sync server (WebSocket + NodeFS storage) and a fresh automerge-repo client (WebSocket + NodeFS),
// all on loopback. The Rust bench runs three steps:
//
//   node peer.mjs seed DOCS_DIR STORAGE_DIR IDS_FILE   import every DOCS_DIR/*.automerge into a repo
//                                                      on STORAGE_DIR, flush, write their ids (untimed)
//   node peer.mjs server STORAGE_DIR IDS_FILE           load every document from STORAGE_DIR, then
//                                                      serve them on ws://127.0.0.1:0; prints
//                                                      "listening on ws://127.0.0.1:PORT"
//   node peer.mjs client URL IDS_FILE STORAGE_DIR       a fresh repo finds every id (FINDS_IN_FLIGHT at
//                                                      a time), flushes to disk; prints progress, then
//                                                      one JSON line of results
//
// The client's clock starts when its repo is constructed (the WebSocket opens then) and stops
// when every document is ready and flushed to its storage: Node's start-up and WebAssembly
// loading are left out, as the Rust client's process start is.

// package.json pins cbor-extract (under automerge-repo's cbor-x) to 2.2.2 through `overrides`: the
// registry reachable here serves no 2.2.3 builds of its platform packages, and `npm ci` refused a
// lock file without them.

import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Repo } from "@automerge/automerge-repo";
import { WebSocketClientAdapter, WebSocketServerAdapter } from "@automerge/automerge-repo-network-websocket";
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs";
import { WebSocketServer } from "ws";

const [command, ...args] = process.argv.slice(2);

// How many `find`s the client keeps in flight. Requesting all 1,000 documents at once made the
// server's replies arrive in one burst that the client applies without returning to its event
// loop (~50-130 ms of Automerge work per document), so it missed the server's keep-alive ping for
// over 5 s; WebSocketServerAdapter then terminated the socket, and on that disconnect
// DocSynchronizer.endSync -> #checkDocUnavailable marks every still-requesting handle
// unavailable (no peer left), so `find` rejected with "Document ... is unavailable". (All at once
// also runs into DocHandle's fixed 60 s request timeout on a slow machine.) A few finds in flight
// keep the client's CPU busy just the same, with bursts well under a second.
const FINDS_IN_FLIGHT = 16;

async function seed(docsDir, storageDir, idsFile) {
  const repo = new Repo({ storage: new NodeFSStorageAdapter(storageDir), network: [] });
  const names = (await readdir(docsDir)).filter((n) => n.endsWith(".automerge")).sort();
  const ids = [];
  for (const name of names) {
    const handle = repo.import(new Uint8Array(await readFile(join(docsDir, name))));
    ids.push(handle.documentId);
  }
  await repo.flush();
  await repo.shutdown();
  await writeFile(idsFile, JSON.stringify(ids));
  console.log(`seeded ${ids.length} documents`);
}

async function server(storageDir, idsFile) {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((resolve) => wss.on("listening", resolve));
  // As automerge-repo's sync server: it shares a document only with a peer that asks for it.
  const repo = new Repo({
    storage: new NodeFSStorageAdapter(storageDir),
    network: [new WebSocketServerAdapter(wss)],
    peerId: `server-${process.pid}`,
    sharePolicy: async () => false,
  });
  // Every document is loaded before the first client comes (untimed), so the server compared
  // with has them all in memory. It keeps automerge-repo's default keep-alive, which cut off a
  // client that found all 1,000 documents at once (applying the burst of replies kept it from
  // answering a ping for over 5 s, and the disconnect marked every pending document unavailable),
  // so the client keeps only FINDS_IN_FLIGHT finds in flight.
  const ids = JSON.parse(await readFile(idsFile, "utf8"));
  for (const id of ids) {
    await repo.find(id);
  }
  const stop = async () => {
    await repo.shutdown();
    wss.close();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  console.log(`listening on ws://127.0.0.1:${wss.address().port}`);
}

/** Messages in one of our documents: a bucket's `messages` map, none in a chat header. */
function messagesIn(doc) {
  return doc && doc.messages ? Object.keys(doc.messages).length : 0;
}

async function client(url, idsFile, storageDir) {
  const ids = JSON.parse(await readFile(idsFile, "utf8"));
  const started = performance.now();
  const repo = new Repo({
    storage: new NodeFSStorageAdapter(storageDir),
    network: [new WebSocketClientAdapter(url)],
    peerId: `client-${process.pid}`,
  });
  let ready = 0;
  let shown = 0;
  const handles = new Array(ids.length);
  let next = 0;
  const finder = async () => {
    while (next < ids.length) {
      const i = next++;
      handles[i] = await repo.find(ids[i]);
      ready += 1;
      const now = performance.now();
      if (now - shown >= 250 || ready === ids.length) {
        shown = now;
        console.error(`automerge-repo: ${ready}/${ids.length} documents (${((now - started) / 1000).toFixed(2)} s)`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(FINDS_IN_FLIGHT, ids.length) }, finder));
  const found = performance.now();
  await repo.flush();
  const seconds = (performance.now() - started) / 1000;
  const messages = handles.reduce((n, h) => n + messagesIn(h.doc()), 0);
  const memory = process.memoryUsage();
  console.log(
    JSON.stringify({
      documents: handles.length,
      messages,
      seconds,
      found_seconds: (found - started) / 1000,
      rss_mb: memory.rss / 1e6,
    }),
  );
  await repo.shutdown();
  process.exit(0);
}

const commands = { seed, server, client };
if (!commands[command]) {
  console.error("usage: node peer.mjs seed DOCS_DIR STORAGE_DIR IDS_FILE | server STORAGE_DIR IDS_FILE | client URL IDS_FILE STORAGE_DIR");
  process.exit(2);
}
await commands[command](...args);
