// Tells the server the reader's time zone, so that dates are shown in it. Pages work without it:
// the server then uses the profile's zone, or the platform's default.
(function () {
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf("tz=" + encodeURIComponent(zone)) === -1) {
      document.cookie = "tz=" + encodeURIComponent(zone) + ";path=/;max-age=31536000;samesite=lax";
    }
  } catch (e) { /* old browsers: keep the default zone */ }
})();
