import type { AdrScheme } from '../../src/outbound/render.ts';

/** An ADR scheme that is not the default, so a test sees every detail come from config, none from a template. */
export const TEST_ADR_SCHEME: AdrScheme = {
  name: 'Communications Dispute Scheme',
  address: ['Unit 7', 'Quay House', 'Salford', 'M50 3AB'],
  email: 'help@cds.example',
  phone: '0300 123 4567',
  textphone: '18001 0300 123 4567',
  web: 'https://cds.example/complaints',
};

/** The same scheme as ADR_SCHEME_* variables. */
export const TEST_ADR_ENV: Record<string, string> = {
  ADR_SCHEME_NAME: TEST_ADR_SCHEME.name,
  ADR_SCHEME_ADDRESS: TEST_ADR_SCHEME.address.join(', '),
  ADR_SCHEME_EMAIL: TEST_ADR_SCHEME.email,
  ADR_SCHEME_PHONE: TEST_ADR_SCHEME.phone,
  ADR_SCHEME_TEXTPHONE: TEST_ADR_SCHEME.textphone,
  ADR_SCHEME_WEB: TEST_ADR_SCHEME.web,
};

/** Its contact block as the text part of a letter prints it. */
export const TEST_ADR_CONTACT_TEXT = [
  `  ${TEST_ADR_SCHEME.name}`,
  ...TEST_ADR_SCHEME.address.map((l) => `  ${l}`),
  `  Email: ${TEST_ADR_SCHEME.email}`,
  `  Website: ${TEST_ADR_SCHEME.web}`,
  `  Telephone: ${TEST_ADR_SCHEME.phone}`,
  `  Textphone: ${TEST_ADR_SCHEME.textphone}`,
].join('\n');
