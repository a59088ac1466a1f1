-- ============================================================================================
-- ORIGINAL SCRIPT: "Set portal security level for billing contact"
-- Source: same article as set-primary-portal.sql. The stored copy we could read was cut off
--         after the script's first lines, so this text is reconstructed from the article's
--         description ("similar to the last example, except this script updates the portal
--         security level for the client's billing contact", only where the level is still 0)
--         in the same shape as its sibling. Compare with your own copy before relying on it.
-- What it does: sets Portal_Security_Level for the billing contact of active clients whose
--         level is still 0.
-- KNOWN BUG in the published script: it filters on dbo.Company.Default_Billing_Flag. ConnectWise's
--         Company table has no such column (the billing flag is Contact.Default_Billing_Flag), so
--         the script fails as published. cw-maint uses Contact.Default_Billing_Flag.
-- Reproduced by: jobs/set-billing-portal.ts (npm run job -- set-billing-portal); onlyUnset
--         defaults to true here, as in this script.
-- ============================================================================================
UPDATE Contact
SET Contact.Portal_Security_Level = 6
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
