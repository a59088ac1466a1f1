-- ============================================================================================
-- PUBLISHED SCRIPT: "Set portal security for all contacts as a specific company"
-- Source: the article "Managing ConnectWise client portal security and access using SQL", its
--         third script. Text as published, with its example values: level 1, Company_ID
--         'deskdirector'.
-- What it does: sets Portal_Security_Level for every contact of the company with that Company_ID.
--         It joins Company_Status and Company_Type too, with no condition on them: a company
--         whose status or type row does not exist is left out all the same.
-- Reproduced by: jobs/set-company-portal.ts (npm run job -- set-company-portal --company ID).
--         The Company_ID is always a bound parameter, never spliced into the SQL, and one that
--         does not exist is an error (exit 2), not a run that matches nothing.
-- ============================================================================================
UPDATE Contact
SET Contact.Portal_Security_Level = 1
FROM dbo.Contact
INNER JOIN dbo.Company
ON dbo.Contact.Company_RecID = dbo.Company.Company_RecID
INNER JOIN dbo.Company_Status
ON dbo.Company.Company_Status_RecID =
dbo.Company_Status.Company_Status_RecID
INNER JOIN dbo.Company_Type
ON dbo.Company.Company_Type_RecID = dbo.Company_Type.Company_Type_RecID
WHERE ( dbo.Company.Company_ID = 'deskdirector' )
