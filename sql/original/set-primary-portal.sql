-- ============================================================================================
-- ORIGINAL SCRIPT: "Set portal security for primary contact"
-- Source: "Managing ConnectWise client portal security and access using SQL", Nexnow blog,
--         2012-01-24 (republished in DeskDirector's help centre). Text as published.
-- What it does: sets Portal_Security_Level (here 6) for the primary contact (Default_Flag = 1)
--         of companies with type RecID 1 and status RecID 1. The blog's copy also has
--         "AND ( dbo.Contact.Portal_Security_Level = 0 )"; DeskDirector's copy does not.
-- Reproduced by: jobs/set-primary-portal.ts (npm run job -- set-primary-portal), with the level,
--         types and statuses from configuration, and onlyUnset choosing between the two copies.
-- Pre-2016.3 schema: Company.Company_Type_RecID. cw-maint also supports Company_Company_Type.
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
WHERE ( dbo.Contact.Default_Flag = 1 )
AND ( dbo.Company_Type.Company_Type_RecID = 1 )
AND ( dbo.Company_Status.Company_Status_RecID = 1 )
AND ( dbo.Contact.Portal_Security_Level = 0 )
