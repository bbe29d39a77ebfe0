// Tells the server the reader's time zone, so that dates are shown in it. Pages work without it:
// the server then uses the profile's zone, or the platform's default.
// The page gives the cookie's name and flags (base.html, from settings): Secure in production and
// SameSite like the server's own cookies. It is written on every page, so that a cookie written
// before with other flags takes these at the next page.
(function () {
  try {
    var script = document.currentScript;
    var data = (script && script.dataset) || {};
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!zone) { return; }
    var cookie = (data.cookie || "tz") + "=" + encodeURIComponent(zone) +
      ";path=/;max-age=31536000;samesite=" + (data.samesite || "Lax");
    if (data.secure === "true") { cookie += ";secure"; }
    document.cookie = cookie;
  } catch (e) { /* old browsers: keep the default zone */ }
})();
