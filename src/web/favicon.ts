// The page's icon: a small SVG kept in the server (no file to ship, nothing fetched from elsewhere),
// served as /favicon.svg (linked from index.html) and as /favicon.ico for browsers that ask for that
// name regardless. A pulse line on the page's primary blue: readable at 16 px.

export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="6" fill="#0a57a4"/>
<path d="M4 17h6l3-7 4 13 3-6h8" fill="none" stroke="#fff" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round"/>
</svg>
`;
