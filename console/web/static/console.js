// Operator console (/console): signs in (operators only), then keeps every panel fresh by
// polling: the wall's status each second, the rest every 15 to 30 s. A server that restarts
// or a network that drops shows "reconnecting" in the top bar; what was on screen stays.
import { $, T } from "../kit/page.js";
import { errorCode } from "../kit/http.js";
import { wirePasswordDialog } from "../staff/password.js";
import * as Session from "../staff/session.js";
import { Admin } from "./admin.js";
import { Exhibitions } from "./exhibitions.js";
import { Night } from "./night.js";
import { Season } from "./season.js";
import { Show } from "./show.js";
import { Poller } from "./tools.js";

// The preview arrives about once a second: asking as often keeps it live.
const STATUS_INTERVAL_MS = 1000;
// Offline: one attempt every 2 s is enough to notice the server is back.
const STATUS_RETRY_MS = 2000;
const SHOW_INTERVAL_MS = 15000; // the next shows change once a day; the state comes by status
const HEALTH_INTERVAL_MS = 15000; // sources and projectors poll their own every 30-60 s
const NIGHT_INTERVAL_MS = 30000;
const ACCOUNTS_INTERVAL_MS = 30000;
const SEASON_INTERVAL_MS = 120000; // a season's figures move slowly; a picked year at once
const EXHIBITIONS_INTERVAL_MS = 30000; // off screen; every 2 s while the panel is in view

let online = true;

/** Another role (or a role taken away meanwhile): back to the form, saying why. */
function refused(result) {
  if (result.status === 403 && errorCode(result) === "forbidden") {
    Session.end(T.not_operator);
    return true;
  }
  return false;
}

async function loadShow() {
  const result = await Session.get("/api/console/show");
  if (result.status === 200 && result.body && result.body.state) Show.schedule(result.body);
  else refused(result);
}

const night = new Poller(Night.load, NIGHT_INTERVAL_MS);
const season = new Poller(Season.load, SEASON_INTERVAL_MS);
const exhibitions = new Poller(Exhibitions.load, EXHIBITIONS_INTERVAL_MS);
const slow = [
  new Poller(loadShow, SHOW_INTERVAL_MS),
  night,
  season,
  exhibitions,
  new Poller(Admin.loadSources, HEALTH_INTERVAL_MS),
  new Poller(Admin.loadProjectors, HEALTH_INTERVAL_MS),
  new Poller(Admin.loadAccounts, ACCOUNTS_INTERVAL_MS),
];

function setOnline(now) {
  if (now === online) return;
  online = now;
  $("conn").hidden = now;
  document.body.classList.toggle("offline", !now);
  if (now) for (const poller of slow) poller.now(); // back: catch up at once
}

async function pollStatus() {
  const result = await Session.get("/api/console/status");
  if (result.status === 200 && result.body) {
    setOnline(true);
    Show.status(result.body);
    return STATUS_INTERVAL_MS;
  }
  if (refused(result)) return STATUS_INTERVAL_MS;
  if (result.status === 0 || result.status >= 500) setOnline(false);
  return STATUS_RETRY_MS;
}

const status = new Poller(pollStatus, STATUS_INTERVAL_MS);

function signedIn() {
  online = true;
  status.start();
  for (const poller of slow) poller.start();
}

function signedOut() {
  status.stop();
  for (const poller of slow) poller.stop();
  setOnline(true);
  Show.reset();
  Night.reset();
  Season.reset();
  Exhibitions.reset();
  Admin.reset();
}

Show.onChange = () => status.now();
Night.wire(() => night.now());
Season.wire(() => season.now());
Exhibitions.wire(() => exhibitions.now());
Admin.wire();
wirePasswordDialog();
Session.start({
  onSignedIn: signedIn,
  onSignedOut: signedOut,
  roles: ["operator"],
  refused: T.not_operator,
});
