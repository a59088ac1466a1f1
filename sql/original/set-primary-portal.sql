-- ============================================================================================
-- PUBLISHED SCRIPT: "Set portal security for primary contact"
-- Source: the article "Managing ConnectWise client portal security and access using SQL"
--         (hat tip to Brad Benner of Nexnow), the first of its four scripts. Text as published,
--         with its example values: level 6, company type RecID 1, company status RecID 1.
-- What it does: sets Portal_Security_Level for the primary contact (Contact.Default_Flag = 1)
--         of companies with the given type and status. The INNER JOINs also leave out contacts
--         whose company, status row or type row does not exist.
-- Reproduced by: jobs/set-primary-portal.ts (npm run job -- set-primary-portal), with the level,
--         types and statuses from configuration. onlyUnset (default false, as published) adds
--         "AND Contact.Portal_Security_Level = 0".
-- Schema: pre-2016.3 ConnectWise (Company.Company_Type_RecID). On 2016.3 and later the type join
--         goes through dbo.Company_Company_Type, which cw-maint detects.
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
