// One photo of the gallery as a list item: the thumbnail (lazy, its size known before it
// loads, the large rendition offered to wide screens) and its credit, as text only.
import { el, lang, pageData, safeUrl, text } from "../kit/page.js";

// The grid's column width at each breakpoint (gallery.css): the browser picks the thumbnail
// (400 px) on a phone and the display rendition where a column is wider than that.
const SIZES = "(min-width: 700px) 25vw, 50vw";
const when = new Intl.DateTimeFormat(lang, {
  timeZone: pageData.timezone || undefined,
  day: "numeric",
  month: "long",
  hour: "2-digit",
  minute: "2-digit",
});

/** "Photo : Léa", then who is speaking when the visitor let the credit say it. */
function byline(photo) {
  const by = photo.author ? text("photo", { author: photo.author }) : "";
  const said = pageData.speakers[photo.speaker] || "";
  if (!said) return by;
  if (!by) return text("speaker_only", { speaker: said });
  return text("photo_speaker", { photo: by, speaker: said });
}

/** "Photo : Léa · habite ici · #murbrive sur Mastodon", "Webcam : le port", or "". */
function creditText(photo) {
  const by = byline(photo);
  if (photo.source_kind === "webcam") return text("webcam", { place: photo.source_label });
  const network = pageData.networks[photo.source_kind];
  if (!network || !photo.source_label) return by;
  const posted = text("network", { tag: photo.source_label, network });
  return by ? `${by} · ${posted}` : posted;
}

function image(photo) {
  const img = document.createElement("img");
  const thumb = safeUrl(photo.thumb.url);
  img.src = thumb;
  img.width = photo.thumb.width;
  img.height = photo.thumb.height;
  img.loading = "lazy";
  img.decoding = "async";
  img.alt = photo.caption || text("untitled");
  if (photo.display && safeUrl(photo.display.url)) {
    img.srcset = `${thumb} ${photo.thumb.width}w, ${photo.display.url} ${photo.display.width}w`;
    img.sizes = SIZES;
  }
  return img;
}

function zoomLink(photo) {
  const link = document.createElement("a");
  link.className = "zoom";
  link.href = safeUrl((photo.display || photo.thumb).url);
  link.setAttribute("aria-label", text("open_photo", { what: photo.caption || text("untitled") }));
  if (pageData.embed) {
    link.target = "_blank";
    link.rel = "noopener";
  }
  link.append(image(photo));
  return link;
}

function caption(photo) {
  const box = document.createElement("figcaption");
  if (photo.caption) box.append(el("p", "caption", photo.caption));
  const credit = creditText(photo);
  if (credit || photo.source_url) {
    const line = el("p", "credit", credit);
    if (photo.source_url.startsWith("https://")) {
      const post = el("a", "", text("see_post"));
      post.href = photo.source_url;
      post.target = "_blank";
      post.rel = "noopener noreferrer";
      line.append(credit ? " · " : "", post);
    }
    box.append(line);
  }
  const moment = el("time", "", when.format(new Date(photo.created_at)));
  moment.dateTime = photo.created_at;
  const sent = el("p", "when");
  const [before, after = ""] = text("sent_on").split("{date}");
  sent.append(before, moment, after);
  box.append(sent);
  return box;
}

/** The list item of a photo, marked with its id for live removals. */
export function photoItem(photo, fresh = false) {
  const item = document.createElement("li");
  item.dataset.photoId = photo.id;
  const figure = el("figure", fresh ? "photo fresh" : "photo");
  figure.append(zoomLink(photo), caption(photo));
  item.append(figure);
  return item;
}

/** A sort key that orders photos as the server does: arrival (to the microsecond), then id. */
export function orderKey(photo) {
  const moment = new Date(photo.created_at);
  const micro = (/\.(\d+)/.exec(photo.created_at) || ["", "0"])[1].padEnd(6, "0").slice(0, 6);
  return `${moment.toISOString().slice(0, 19)}.${micro}|${photo.id}`;
}
