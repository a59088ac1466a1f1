-- ============================================================================================
-- PUBLISHED SCRIPT: "Revoke access to the client portal for inactive clients"
-- Source: the article "Managing ConnectWise client portal security and access using SQL", its
--         fourth script. Text as published, with its example values: company type RecID 1,
--         company status RecID 3 (the article: check which Company_Status_RecIDs mean inactive
--         in your instance).
-- What it does: sets Disable_Flag = 1 (portal login disabled) for every contact of companies
--         with that type and status.
-- Reproduced by: jobs/revoke-inactive.ts (npm run job -- revoke-inactive). cw-maint refuses
--         (exit 5) when a configured status is one ConnectWise marks active.
-- ============================================================================================
UPDATE Contact
SET Contact.Disable_Flag = 1
FROM dbo.Contact
INNER JOIN dbo.Company
ON dbo.Contact.Company_RecID = dbo.Company.Company_RecID
INNER JOIN dbo.Company_Status
ON dbo.Company.Company_Status_RecID =
dbo.Company_Status.Company_Status_RecID
INNER JOIN dbo.Company_Type
ON dbo.Company.Company_Type_RecID = dbo.Company_Type.Company_Type_RecID
WHERE ( dbo.Company_Type.Company_Type_RecID = 1 )
AND ( dbo.Company_Status.Company_Status_RecID = 3 )
