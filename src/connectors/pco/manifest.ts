/** The Planning Center People manifest: which entities sync, in what order, and how each maps to the canonical model. */
import { defineManifest } from '../../protocol/manifest.ts';
import { address, campus, email, household, person, phoneNumber } from './entities.ts';

export const pcoManifest = defineManifest({
  system: 'pco',
  entities: { campus, person, household, address, email, phone_number: phoneNumber },
});

export type PcoEntity = keyof typeof pcoManifest.entities;
