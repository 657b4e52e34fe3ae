#!/usr/bin/env node
// Committed launcher so npm can link the bin before the TypeScript build has run.
import '../dist/main.js';
