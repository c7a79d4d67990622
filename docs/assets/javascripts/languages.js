// The language menu's neighbour. Material probes "sitemap.xml" beside each <link rel="alternate"> of a page,
// taking each for a language's home; ours name the same page in each language (what search engines want),
// where there is no sitemap, and every probe would be a 404. This sends each probe to the sitemap of the
// language its address is in (the homes are in <meta name="kb-language-roots">, set by overrides/main.html).
// It runs before the page has loaded, so before Material's probes; the menu's links work without it.
(function () {
  "use strict";

  var meta = document.querySelector('meta[name="kb-language-roots"]');
  if (!meta || !window.URL || !window.XMLHttpRequest) return;
  var roots = meta.getAttribute("content").split(" ").filter(Boolean).map(function (root) {
    return new URL(root, location.href).href;
  });
  roots.sort(function (a, b) { return b.length - a.length; }); // the deepest home first: /en/ before /

  var open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (method, url) {
    var args = Array.prototype.slice.call(arguments);
    var target = new URL(String(url), location.href);
    if (/\/sitemap\.xml$/.test(target.pathname)) {
      var home = roots.filter(function (root) { return target.href.indexOf(root) === 0; })[0];
      if (home) args[1] = home + "sitemap.xml";
    }
    return open.apply(this, args);
  };
})();
