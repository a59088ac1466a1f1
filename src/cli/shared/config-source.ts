import { configFileName, type LoadedConfig } from '../../config/config-file.js';
import { UsageError } from '../../errors.js';

/**
 * A check of values that may come from the config file: when none was found, its error says where
 * cw-maint looked (a DBA running it from another folder gets "required" otherwise, and no clue).
 */
export function withConfigSource<T>(check: () => T, loaded: LoadedConfig): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof UsageError) || loaded.path) throw error;
    throw new UsageError(error.message, [...error.details, `(read from ${configFileName(loaded)})`], { cause: error });
  }
}
