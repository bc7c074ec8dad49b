/*
 * 新污染物治理协同平台 — site script.
 *
 * Works under a strict Content-Security-Policy (no inline scripts, no eval):
 * templates pass data through attributes only.
 *
 * Load order in base.html (both deferred, or both at the end of <body>):
 *   <meta name="csrf-token" content="{{ csrf_token }}">
 *   <script src="{% static 'vendor/htmx/htmx.min.js' %}" defer></script>
 *   <script src="{% static 'vendor/echarts/echarts.min.js' %}" defer></script>   (pages with charts)
 *   <script src="{% static 'js/portal.js' %}" defer></script>
 *
 * Charts: <div data-echarts='{"option": {...}, "renderer": "canvas", "theme": null}'></div>
 *   The attribute holds JSON (use Django's |escape or a json filter to fill it).
 *   Alternatively <div data-echarts-src="chart-data-id"></div> with
 *   {{ value|json_script:"chart-data-id" }} (type="application/json" is not executed,
 *   so it is allowed by CSP). A bare option object (no "option" key) is accepted too.
 */
(function () {
  "use strict";

  // ---------------------------------------------------------------- CSRF --

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) {
      return meta.content;
    }
    // Fallback: a rendered {% csrf_token %} input anywhere on the page.
    var input = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : null;
  }

  function isSameOrigin(path) {
    try {
      return new URL(path, window.location.href).origin === window.location.origin;
    } catch (e) {
      return false;
    }
  }

  // --------------------------------------------------------------- htmx --

  function configureHtmx() {
    if (!window.htmx) {
      return;
    }
    var config = window.htmx.config;
    // CSP: no eval, so hx-on and js: expressions stay off; no injected <style>:
    // the indicator rules are in static/css/portal.css instead.
    config.allowEval = false;
    config.allowScriptTags = false;
    config.includeIndicatorStyles = false;
    config.selfRequestsOnly = true;
  }

  configureHtmx();

  document.addEventListener("htmx:configRequest", function (evt) {
    var detail = evt.detail || {};
    if (detail.path && !isSameOrigin(detail.path)) {
      return;
    }
    var token = csrfToken();
    if (token && detail.headers) {
      detail.headers["X-CSRFToken"] = token;
    }
  });

  // ------------------------------------------------------------ ECharts --

  var CHART_SELECTOR = "[data-echarts], [data-echarts-src]";

  function readChartSpec(el) {
    var raw = el.getAttribute("data-echarts");
    if (!raw) {
      var srcId = el.getAttribute("data-echarts-src");
      var src = srcId ? document.getElementById(srcId) : null;
      raw = src ? src.textContent : null;
    }
    if (!raw) {
      return null;
    }
    var spec = JSON.parse(raw);
    if (!spec || typeof spec !== "object") {
      return null;
    }
    if (!Object.prototype.hasOwnProperty.call(spec, "option")) {
      spec = { option: spec };
    }
    return spec;
  }

  function renderChart(el) {
    if (!window.echarts) {
      return;
    }
    var spec;
    try {
      spec = readChartSpec(el);
    } catch (e) {
      if (window.console) {
        window.console.error("portal.js: invalid chart JSON", el, e);
      }
      return;
    }
    if (!spec || !spec.option) {
      return;
    }
    var chart = window.echarts.getInstanceByDom(el);
    if (!chart) {
      chart = window.echarts.init(el, spec.theme || null, {
        renderer: spec.renderer === "svg" ? "svg" : "canvas",
        locale: spec.locale || "ZH"
      });
    }
    chart.setOption(spec.option, true);
    // Drill-down: spec.links[i] is where a click on the i-th data item leads (same origin only).
    if (spec.links && !el.getAttribute("data-echarts-linked")) {
      el.setAttribute("data-echarts-linked", "1");
      chart.on("click", function (params) {
        var target = spec.links[params.dataIndex];
        if (target && isSameOrigin(target)) {
          window.location.href = target;
        }
      });
    }
  }

  // Render every chart element under root (default: the whole document) that
  // has no chart yet; with force=true, re-apply the option to existing charts.
  function renderCharts(root, force) {
    if (!window.echarts) {
      return;
    }
    var scope = root && root.querySelectorAll ? root : document;
    var nodes = Array.prototype.slice.call(scope.querySelectorAll(CHART_SELECTOR));
    if (scope.matches && scope.matches(CHART_SELECTOR)) {
      nodes.unshift(scope);
    }
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i];
      if (!el.isConnected) {
        continue; // e.g. the old target of an outerHTML swap
      }
      if (!force && window.echarts.getInstanceByDom(el)) {
        continue;
      }
      renderChart(el);
    }
  }

  function disposeCharts(root) {
    if (!window.echarts || !root || !root.querySelectorAll) {
      return;
    }
    var nodes = root.querySelectorAll(CHART_SELECTOR);
    for (var i = 0; i < nodes.length; i++) {
      var chart = window.echarts.getInstanceByDom(nodes[i]);
      if (chart) {
        chart.dispose();
      }
    }
  }

  function resizeCharts() {
    if (!window.echarts) {
      return;
    }
    var nodes = document.querySelectorAll(CHART_SELECTOR);
    for (var i = 0; i < nodes.length; i++) {
      var chart = window.echarts.getInstanceByDom(nodes[i]);
      if (chart) {
        chart.resize();
      }
    }
  }

  // After htmx swaps content in, render the charts it brought. The whole
  // document is scanned (cheap) because with outerHTML swaps the event's
  // target is the element that was removed; existing charts are left alone.
  document.addEventListener("htmx:afterSwap", function () {
    renderCharts(document);
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    renderCharts(document);
  });
  // Free chart instances before htmx removes their elements.
  document.addEventListener("htmx:beforeCleanupElement", function (evt) {
    var el = evt.target;
    if (window.echarts && el && el.matches && el.matches(CHART_SELECTOR)) {
      var chart = window.echarts.getInstanceByDom(el);
      if (chart) {
        chart.dispose();
      }
    }
  });

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    if (resizeTimer) {
      window.clearTimeout(resizeTimer);
    }
    resizeTimer = window.setTimeout(resizeCharts, 150);
  });

  // ------------------------------------------------------ progress bars --
  // Widths come from data-progress (no inline style attributes: the CSP forbids them).

  function sizeProgressBars(root) {
    var bars = root.querySelectorAll("[data-progress]");
    for (var i = 0; i < bars.length; i++) {
      var value = parseInt(bars[i].getAttribute("data-progress"), 10) || 0;
      bars[i].style.width = Math.max(0, Math.min(100, value)) + "%";
    }
  }

  document.addEventListener("htmx:afterSwap", function () {
    sizeProgressBars(document);
  });

  // ------------------------------------------------------- confirmations --
  // <form data-confirm="删除这一行？"> asks before it is sent.

  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      evt.preventDefault();
    }
  });

  // ----------------------------------------------------------- startup --

  function onReady(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  onReady(function () {
    configureHtmx(); // in case htmx was loaded after this file
    renderCharts(document);
    sizeProgressBars(document);
  });

  window.portal = {
    csrfToken: csrfToken,
    renderCharts: renderCharts,
    disposeCharts: disposeCharts
  };
})();
