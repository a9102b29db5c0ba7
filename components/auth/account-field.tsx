import { Field } from "@/components/ui/field.tsx";
import { Input } from "@/components/ui/input.tsx";

/** A required account field (email, password, name) of the sign-in, sign-up and invitation forms. */
export function AccountField({
  label,
  name,
  type,
  autoComplete,
  minLength,
}: {
  label: string;
  name: string;
  type: string;
  autoComplete?: string;
  minLength?: number;
}) {
  return (
    <Field label={label} name={name}>
      {(control) => (
        <Input {...control} name={name} type={type} required autoComplete={autoComplete} minLength={minLength} />
      )}
    </Field>
  );
}
