// Receipt page (/r/{id}#t=TOKEN): the photo's status in plain words and its deletion.
// The token lives in the URL fragment, which browsers never send in a request line.
"use strict";

(() => {
  const { $, texts: T, errorText, fetchWithRetries, receipts } = window.WallVisitor;

  function statusWords(photo) {
    const words = T[`status_${photo.status}`] || photo.status;
    return photo.status === "rejected" && photo.reason === "duplicate"
      ? `${words} (${T.reason_duplicate})`
      : words;
  }

  const show = (id, visible) => {
    $(id).hidden = !visible;
  };

  function message(text, done = false) {
    $("message").textContent = text;
    $("message").classList.toggle("done", done);
  }

  function showPhoto(photo) {
    message("");
    show("details", true);
    $("photo-status").textContent = statusWords(photo);
    for (const field of ["caption", "author"]) {
      const value = typeof photo[field] === "string" ? photo[field] : "";
      $(`photo-${field}`).textContent = value; // text, never markup: captions are untrusted
      show(`photo-${field}`, Boolean(value));
      show(`${field}-term`, Boolean(value));
    }
    show("delete", photo.status !== "deleted");
  }

  function start(box) {
    const id = box.dataset.photoId;
    if (!id) return; // the server already wrote "not found"
    const fromHash = new URLSearchParams(location.hash.slice(1)).get("t");
    const token = fromHash || (receipts.find(id) || {}).token;
    if (!token) return message(T.missing_token);
    const apiUrl = `/api/photos/${encodeURIComponent(id)}?token=${encodeURIComponent(token)}`;
    // The language switch must keep the token, which lives in the fragment.
    const langSwitch = $("lang-switch");
    if (location.hash) langSwitch.href = langSwitch.getAttribute("href") + location.hash;

    async function load() {
      show("reload", false);
      message(T.loading);
      const { status, body } = await fetchWithRetries(apiUrl, "GET");
      if (status === 200 && body) return showPhoto(body);
      if (status === 404) receipts.remove(id);
      message(status === 0 ? T.network_error : errorText(status, body));
      show("reload", status === 0 || status >= 500);
    }

    async function remove() {
      show("confirm", false);
      message(T.deleting);
      const { status, body } = await fetchWithRetries(apiUrl, "DELETE");
      if (status === 204 || status === 200) {
        receipts.remove(id);
        show("details", false);
        history.replaceState(null, "", location.pathname + location.search); // token is spent
        langSwitch.href = langSwitch.getAttribute("href").split("#")[0];
        message(T.deleted, true);
        $("message").focus();
        return;
      }
      message(status === 0 ? T.network_error : errorText(status, body));
      show("delete", status !== 404);
    }

    $("delete").addEventListener("click", () => {
      show("delete", false);
      show("confirm", true);
      $("confirm-no").focus(); // the safe choice has the focus
    });
    $("confirm-no").addEventListener("click", () => {
      show("confirm", false);
      show("delete", true);
      $("delete").focus();
    });
    $("confirm-yes").addEventListener("click", remove);
    $("reload").addEventListener("click", load);
    load();
  }

  start($("receipt"));
})();
