// Request bodies of the sign-in and user routes. Names and passwords get their detailed checks in
// policy.ts (clearer messages); the schemas bound sizes and refuse unknown fields.

import { Type, type Static } from '@sinclair/typebox';
import { PASSWORD_MAX } from './policy.ts';

const Name = Type.String({ minLength: 1, maxLength: 64 });
const Password = Type.String({ minLength: 1, maxLength: PASSWORD_MAX });
const RoleSchema = Type.Union([Type.Literal('admin'), Type.Literal('staff')]);

export const SignInBody = Type.Object({ name: Name, password: Password }, { additionalProperties: false });
export const SetupBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 256 }), name: Name, password: Password }, { additionalProperties: false });
export const PasswordChangeBody = Type.Object({ current: Password, password: Password }, { additionalProperties: false });
export const NewUserBody = Type.Object({ name: Name, password: Password, role: RoleSchema }, { additionalProperties: false });
export const UserChangeBody = Type.Object(
  { role: Type.Optional(RoleSchema), password: Type.Optional(Password) },
  { additionalProperties: false, minProperties: 1 },
);
export const UserParams = Type.Object({ name: Name });

export type SignInBody = Static<typeof SignInBody>;
export type SetupBody = Static<typeof SetupBody>;
export type PasswordChangeBody = Static<typeof PasswordChangeBody>;
export type NewUserBody = Static<typeof NewUserBody>;
export type UserChangeBody = Static<typeof UserChangeBody>;
export type UserParams = Static<typeof UserParams>;
