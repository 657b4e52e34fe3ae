// StrykerJS over one mutation module of this package (see mutation.config.mjs); started by
// `npm run test:mutation` at the repository root, never by `npm test`.
import { strykerConfig } from '../../scripts/stryker-config.mjs';
import { MODULES } from './mutation.config.mjs';

export default strykerConfig(MODULES);
