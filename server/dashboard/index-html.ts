/**
 * The dashboard's one page. Everything it runs is in the hashed script (no
 * inline script: the page's CSP forbids it); the favicon is an empty `data:`
 * image, so browsers do not ask the API for `/favicon.ico`.
 */
export function indexHtml(scriptUrl: string, stylesheetUrl: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tstasks dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${stylesheetUrl}">
<script type="module" src="${scriptUrl}"></script>
</head>
<body>
<div id="app"></div>
</body>
</html>
`;
}
