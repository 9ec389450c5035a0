// The console's gallery card: copies the online gallery's <iframe> snippet for the office's
// website. The snippet itself is written by the server (the gallery's own words and URL).
import { $, text } from "../kit/page.js";

async function copySnippet() {
  const box = $("gallery-snippet");
  const note = $("gallery-copy-note");
  box.select();
  try {
    await navigator.clipboard.writeText(box.value);
    note.textContent = text("gallery_copied");
  } catch {
    // No clipboard (an http:// console, an old browser): the code stays selected to copy.
    note.textContent = text("gallery_copy_failed");
  }
}

$("gallery-copy").addEventListener("click", copySnippet);
