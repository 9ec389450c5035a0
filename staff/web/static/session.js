// Staff pages (/moderate, /console): the session. Sign-in form (with the server's lock-out
// countdown), sign-out, and the JSON calls of a signed-in account: CSRF header, a fresh token
// when the server asks, back to the sign-in form when the session has ended.
import { $, T, fmt } from "../kit/page.js";
import { errorCode, request, retryAfterSeconds, setCsrfToken } from "../kit/http.js";

const DEFAULT_RETRY_AFTER_S = 30; // a 429 without a readable Retry-After: a sensible wait
const STAFF_ROLES = ["moderator", "operator"];
// A page may admit fewer roles (the operator console) and say so in its own words.
const DEFAULT_HOOKS = { onSignedIn() {}, onSignedOut() {}, roles: STAFF_ROLES, refused: "" };

/** Who is signed in on this page ("" when nobody). */
export const session = { username: "", role: "" };

/** The words for a failed request that the caller has no better message for. */
export const failureText = (result) => (result.status === 0 ? T.network_error : T.server_error);

let hooks = DEFAULT_HOOKS;
let lockTimer = 0;

function loginError(message) {
  $("login-error").textContent = message;
  $("login-error").hidden = !message;
}

function showLogin(message) {
  $("booting").hidden = true;
  $("app").hidden = true;
  $("login-view").hidden = false;
  loginError(message);
  $($("username").value ? "password" : "username").focus();
}

function signedIn(account) {
  if (!hooks.roles.includes(account.role)) return showLogin(hooks.refused);
  session.username = String(account.username || "");
  session.role = account.role;
  setCsrfToken(account.csrf_token);
  $("booting").hidden = true;
  $("login-view").hidden = true;
  $("app").hidden = false;
  $("who").textContent = fmt(T.signed_in_as, { name: session.username });
  $("who").hidden = false;
  $("logout").hidden = false;
  hooks.onSignedIn();
}

/** Too many attempts: the button waits, and a countdown says for how long. */
function lockLogin(seconds) {
  clearInterval(lockTimer);
  let left = seconds;
  const tick = () => {
    if (left <= 0) {
      clearInterval(lockTimer);
      $("login-submit").disabled = false;
      return loginError("");
    }
    $("login-submit").disabled = true;
    loginError(fmt(T.too_many_attempts, { s: left }));
    left -= 1;
  };
  tick();
  lockTimer = setInterval(tick, 1000);
}

async function submitLogin(event) {
  event.preventDefault();
  const username = $("username").value.trim();
  const password = $("password").value;
  if (!username || !password) return $(username ? "password" : "username").focus();
  const button = $("login-submit");
  button.disabled = true;
  button.textContent = T.logging_in;
  const result = await request("POST", "/api/auth/login", { username, password });
  button.textContent = T.login;
  button.disabled = false;
  if (result.status === 200 && result.body) {
    $("password").value = "";
    loginError("");
    return signedIn(result.body);
  }
  if (result.status === 429) {
    return lockLogin(retryAfterSeconds(result.retryAfter, DEFAULT_RETRY_AFTER_S));
  }
  loginError(result.status === 401 ? T.bad_credentials : failureText(result));
  $("password").select();
}

/** Back to the sign-in form, saying why (an empty message after a plain sign-out). */
export function end(message) {
  Object.assign(session, { username: "", role: "" });
  setCsrfToken("");
  for (const id of ["who", "logout"]) $(id).hidden = true;
  hooks.onSignedOut();
  showLogin(message);
}

async function logout() {
  await request("POST", "/api/auth/logout");
  end("");
}

/** Asks the server again who we are: a fresh CSRF token, or the news that the session ended. */
export async function check() {
  const me = await request("GET", "/api/auth/me");
  if (me.status === 401) {
    if (session.username) end(T.session_expired);
    return false;
  }
  if (me.status === 200 && me.body && me.body.csrf_token) setCsrfToken(me.body.csrf_token);
  return true;
}

export async function get(url) {
  const result = await request("GET", url);
  if (result.status === 401 && session.username) end(T.session_expired);
  return result;
}

export async function post(url, payload) {
  let result = await request("POST", url, payload);
  if (result.status === 403 && errorCode(result) === "csrf" && (await check())) {
    result = await request("POST", url, payload);
  }
  if (result.status === 401 && session.username) end(T.session_expired);
  return result;
}

/**
 * Wires the form and shows the page: the app when a session is open, else the form.
 * callbacks: onSignedIn(), onSignedOut(), and optionally roles (admitted) and refused (the
 * words for an account whose role the page does not admit).
 */
export async function start(callbacks) {
  hooks = { ...DEFAULT_HOOKS, ...callbacks };
  $("login-form").addEventListener("submit", submitLogin);
  $("logout").addEventListener("click", logout);
  const me = await request("GET", "/api/auth/me");
  if (me.status === 200 && me.body) signedIn(me.body);
  else showLogin(me.status === 401 ? "" : failureText(me));
}
