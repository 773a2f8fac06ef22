import { join } from 'node:path';

/**
 * The native spawner (native/spawner.c), compiled by tools/build.ts. This module lives two levels
 * below the project root both as built (dist/executor) and as source (src/executor, under Jest
 * and the build script), so all of them name the same file.
 */
export const SPAWNER_BINARY = join(__dirname, '..', '..', 'dist', 'bin', 'cronplane-spawner');
