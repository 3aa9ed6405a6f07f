// The analysis @n8n/scan-community-package runs before n8n lists a community package, on a
// local build: its ESLint rules (no runtime dependencies, no process.env, no fs, child_process
// or network imports, credential and node conventions) on the source, then on the packed files.
// Usage: node scripts/scan-n8n-package.mjs TOOLS_DIR SOURCE_DIR UNPACKED_TARBALL_DIR
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [tools, source, unpacked] = process.argv.slice(2);
const scanner = await import(
	pathToFileURL(path.join(tools, 'node_modules/@n8n/scan-community-package/scanner/scanner.mjs')).href
);

// The same two legs as the scanner's own (`analyzePackageByName`), without the registry.
const legs = [
	['source', source, scanner.SOURCE_FILE_PATTERNS],
	['package', unpacked, ['**/*.js', 'package.json']],
];
let failed = false;
for (const [name, directory, patterns] of legs) {
	const result = await scanner.analyzePackage(directory, patterns);
	if (result.passed) {
		console.log(`scan: ${name} passed (${directory})`);
	} else {
		failed = true;
		console.error(`scan: ${name} failed: ${result.message}\n${result.details ?? ''}`);
	}
}
process.exit(failed ? 1 : 0);
