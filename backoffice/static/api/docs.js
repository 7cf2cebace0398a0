// Starts Swagger UI on the API's own document (a file, not an inline script: the app's CSP allows only these).
(function () {
  "use strict";
  var node = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: node.getAttribute("data-spec-url"),
    domNode: node,
    deepLinking: true,
    validatorUrl: null,
  });
}());
