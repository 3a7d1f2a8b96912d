// Starts Swagger UI on /docs (tandem.hub.api.docs). A file of its own, not an inline script,
// so that the page's Content-Security-Policy (script-src 'self') lets it run. The options
// are FastAPI's defaults; the OpenAPI address comes from the page's data-openapi-url.
"use strict";
(function () {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
