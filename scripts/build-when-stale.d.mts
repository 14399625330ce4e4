/** A build that cannot be made, in one line saying what to do. */
export declare class BuildError extends Error {}
/** Why dist/ must be built again (a sentence naming a file), or undefined when it is current. */
export declare function whyStale(root: string): string | undefined
/** Builds dist/ when stale (or `always`), taking turns with other processes; 'current' when nothing had to be built. */
export declare function buildWhenStale(root: string, options?: { log?: (line: string) => void; always?: boolean }): Promise<'current' | 'built'>
