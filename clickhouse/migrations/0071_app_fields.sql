-- Custom fields on apps: what the app is (description), who answers for it
-- (owner) and labels (key -> value, e.g. team=risk) to group and find apps by.
-- Apps are few and change rarely: a change inserts a new version of the row
-- (ReplacingMergeTree(version)), as renaming always did.
ALTER TABLE apps ADD COLUMN IF NOT EXISTS description String DEFAULT '';
ALTER TABLE apps ADD COLUMN IF NOT EXISTS owner String DEFAULT '';
ALTER TABLE apps ADD COLUMN IF NOT EXISTS labels Map(String, String) DEFAULT map();
