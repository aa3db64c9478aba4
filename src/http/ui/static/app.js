/*
 * The admin UI's only script, optional: every page works without it. It adds live regions (a page
 * whose <body data-refresh="N"> re-fetches itself every N seconds and swaps each [data-live] element
 * by id, so a half-typed filter keeps its focus; once a fetched page no longer asks for refreshes — a
 * run or job that finished — it stops), auto-submits filter selects, and disables a POST form's
 * buttons once submitted. No inline code anywhere, so the UI's CSP can forbid it.
 */
/* global document, window, location, fetch, DOMParser, setTimeout */
'use strict';

(function () {
  var seconds = Number(document.body.getAttribute('data-refresh'));

  function swapLiveRegions(doc) {
    var regions = document.querySelectorAll('[data-live]');
    for (var i = 0; i < regions.length; i++) {
      var fresh = doc.getElementById(regions[i].id);
      if (fresh) regions[i].replaceWith(document.importNode(fresh, true));
    }
  }

  function tick() {
    if (document.hidden) return setTimeout(tick, seconds * 1000);
    fetch(location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (res) {
        // Signed out, or the page is gone: let the browser show what the server says.
        if (res.redirected || !res.ok) return location.reload();
        return res.text().then(function (text) {
          var doc = new DOMParser().parseFromString(text, 'text/html');
          swapLiveRegions(doc);
          // The server decides how long a page stays live: nothing more to watch, no more fetches.
          seconds = Number(doc.body.getAttribute('data-refresh')) || 0;
          if (seconds > 0) document.body.setAttribute('data-refresh', String(seconds));
          else document.body.removeAttribute('data-refresh');
        });
      })
      .catch(function () {
        /* server briefly unreachable: try again next tick */
      })
      .then(function () {
        if (seconds > 0) setTimeout(tick, seconds * 1000);
      });
  }

  if (seconds > 0) setTimeout(tick, seconds * 1000);

  document.addEventListener('change', function (event) {
    var el = event.target;
    if (el.tagName === 'SELECT' && el.form && el.form.hasAttribute('data-autosubmit')) el.form.requestSubmit();
  });

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (form.method.toLowerCase() !== 'post') return;
    // After the submission's form data is built, so the buttons' own values still go with it.
    setTimeout(function () {
      var buttons = form.querySelectorAll('button');
      for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
    }, 0);
  });

  // Coming back through the history cache must not leave buttons disabled.
  window.addEventListener('pageshow', function () {
    var buttons = document.querySelectorAll('form button:disabled');
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = false;
  });
})();
