-- ============================================================================================
-- ORIGINAL SCRIPT: "Set portal security for all contacts at a specific company"
-- Source: same article as set-primary-portal.sql; reconstructed in the same shape from the
--         article's description (the stored copy we could read was cut off). Compare with your
--         own copy before relying on it.
-- What it does: sets Portal_Security_Level for every contact of the company whose Company_ID
--         is given (here 'CompanyID').
-- Reproduced by: jobs/set-company-portal.ts (npm run job -- set-company-portal --company ID).
--         The Company_ID is always a bound parameter, never spliced into the SQL.
-- ============================================================================================
UPDATE Contact
SET Contact.Portal_Security_Level = 6
FROM dbo.Contact
INNER JOIN dbo.Company
ON dbo.Contact.Company_RecID = dbo.Company.Company_RecID
WHERE ( dbo.Company.Company_ID = 'CompanyID' )
