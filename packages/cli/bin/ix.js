#!/usr/bin/env node
// committed entry so npm links `ix` at install time, before the build has made dist/
import '../dist/ix.js';
