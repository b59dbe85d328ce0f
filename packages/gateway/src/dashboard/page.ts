/** The dashboard's HTML shell: the bundle does the rest. `access` tells it whether to ask for the admin key. */
export function dashboardPage(access: 'admin-key' | 'open'): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>sluice dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/app.css">
</head>
<body data-access="${access}">
<div id="app"></div>
<script type="module" src="/dashboard/app.js"></script>
</body>
</html>
`;
}

/** A plain page saying why there is no dashboard here. */
export function unavailablePage(message: string): string {
  const escaped = message.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>sluice dashboard</title></head>
<body style="font: 15px system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem"><h1>sluice dashboard</h1><p>${escaped.replace(/`([^`]+)`/g, '<code>$1</code>')}</p></body></html>
`;
}
