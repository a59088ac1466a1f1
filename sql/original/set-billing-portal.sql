-- ============================================================================================
-- PUBLISHED SCRIPT: "Set portal security level for billing contact"
-- Source: the article "Managing ConnectWise client portal security and access using SQL", its
--         second script. Text as published, with its example values: level 4, company type
--         RecID 1, company status RecID 1, and only contacts whose level is still 0.
-- What it does: sets Portal_Security_Level for the billing contact of active clients, where the
--         level is still 0 (NULL is not 0).
-- KNOWN BUG in the published script: it filters on dbo.Company.Default_Billing_Flag. ConnectWise's
--         Company table has no such column (the billing flag is the contact's), so the script
--         fails as published. cw-maint uses dbo.Contact.Default_Billing_Flag: its one deliberate
--         difference from a published script.
-- Reproduced by: jobs/set-billing-portal.ts (npm run job -- set-billing-portal); onlyUnset
--         defaults to true here, as in this script (--overwrite drops the level condition).
-- ============================================================================================
UPDATE Contact
SET Contact.Portal_Security_Level = 4
FROM dbo.Contact
INNER JOIN dbo.Company
ON dbo.Contact.Company_RecID = dbo.Company.Company_RecID
INNER JOIN dbo.Company_Status
ON dbo.Company.Company_Status_RecID =
dbo.Company_Status.Company_Status_RecID
INNER JOIN dbo.Company_Type
ON dbo.Company.Company_Type_RecID = dbo.Company_Type.Company_Type_RecID
WHERE ( dbo.Company.Default_Billing_Flag = 1 )
AND ( dbo.Company_Type.Company_Type_RecID = 1 )
AND ( dbo.Company_Status.Company_Status_RecID = 1 )
AND ( dbo.Contact.Portal_Security_Level = 0 )
