// Copyright 2026 the socketkit authors. MIT license.

/**
 * Work in progress.
 *
 * @module
 */

export {};
